#pragma once
// Shop sessions held in memory: bounded, sliding expiry, safe under concurrent requests.

#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/shop/fake_user.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gg::metrics {
class counter;
class gauge;
class registry;
}  // namespace gg::metrics

namespace gg::shop {

/// The fixed part of a session, shared (never copied) between the store and its readers.
struct session_identity {
  std::string token;  // the cookie value: 32 CSPRNG bytes, base64url (43 characters)
  std::string id;     // the public session id (UUID) events carry; not a credential
  fake_user user;
  sys_us created{};
};

/// A session as seen at one moment.
struct session_view {
  std::shared_ptr<const session_identity> identity;
  sys_us expires{};

  const session_identity* operator->() const noexcept { return identity.get(); }
};

struct session_store_options {
  /// Most sessions held at once (at least 1).
  std::size_t cap = 100'000;
  /// Sliding lifetime: a session expires this long after its last use.
  std::chrono::seconds ttl{30 * 60};
  /// Most sessions one client address may hold that were never used again (a browser sends
  /// its cookie back; a flood of cookieless requests does not); create_for refuses past it.
  std::size_t fresh_per_address = 256;
  /// Time source; empty means gg::now_us.
  std::function<sys_us()> clock;
  /// Where the session metrics are registered (it must outlive the store); null means
  /// gg::metrics::global().
  metrics::registry* metrics = nullptr;
};

/// True when `token` has the shape of a session token (43 base64url characters), so that
/// garbage cookies are turned away before any lookup.
bool plausible_session_token(std::string_view token) noexcept;

/// The shop's sessions, keyed by cookie token. A session is *fresh* until its cookie comes back
/// (touch), then *established*. Memory is bounded: creating a session at the cap first drops
/// expired sessions, then evicts the oldest fresh session, and only when there is none the
/// established session closest to expiry (the least recently used one, since every use pushes
/// expiry out by the same ttl). So a flood of cookieless requests, which only ever makes fresh
/// sessions, cannot log out a shopper who came back, nor exhaust memory, nor lock new visitors
/// out; and each client address holds at most fresh_per_address fresh sessions. Evictions and
/// refusals are counted. Sessions are spread over mutex-guarded shards by token hash, each
/// keeping its sessions in expiry order, so create/touch/end/sweep are O(1) per session.
///
/// Thread safety: every member function is safe to call from any number of threads.
/// Metrics: gadgetgrove_shop_sessions_active, gadgetgrove_shop_sessions_{created,expired,
/// evicted,ended,refused}_total.
class session_store {
 public:
  explicit session_store(session_store_options options = {});
  ~session_store();
  session_store(const session_store&) = delete;
  session_store& operator=(const session_store&) = delete;

  /// A new session with a fresh token, public id and fake user, expiring ttl from now; not
  /// counted against any address.
  session_view create();
  /// create() for a visitor at `client_address`; nullopt (and counted as refused) when that
  /// address already holds fresh_per_address sessions never used again.
  std::optional<session_view> create_for(std::string_view client_address);
  /// The live session for `token`, its expiry extended to now + ttl; nullopt when the token is
  /// unknown or expired (an expired session is removed).
  std::optional<session_view> touch(std::string_view token);
  /// The live session for `token` without extending it.
  std::optional<session_view> peek(std::string_view token) const;
  /// Removes the session; the removed session, or nullopt when there was no live one.
  std::optional<session_view> end(std::string_view token);
  /// Removes every expired session; returns how many went.
  std::size_t sweep();

  std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
  std::size_t cap() const noexcept { return cap_; }
  std::uint64_t evictions() const noexcept { return evictions_.load(std::memory_order_relaxed); }
  std::uint64_t refusals() const noexcept { return refusals_.load(std::memory_order_relaxed); }
  std::chrono::seconds ttl() const noexcept { return ttl_; }
  sys_us now() const;

 private:
  session_store(session_store_options& options, metrics::registry& reg);

  struct entry {
    std::shared_ptr<const session_identity> identity;
    sys_us expires{};
    bool fresh = true;    // in `fresh` rather than `by_expiry`: never used again
    std::string address;  // the creating client's address while fresh and counted, else empty
  };
  struct shard {
    mutable std::mutex mutex;
    std::list<entry> fresh;      // never used again; front: created (and so expires) first
    std::list<entry> by_expiry;  // used again; front: expires first
    std::unordered_map<std::string_view, std::list<entry>::iterator> by_token;
    std::size_t cap = 0;
  };

  shard& shard_for(std::string_view token) const noexcept;
  /// Drops expired sessions from the front of `s` (its mutex held); returns how many.
  std::size_t drop_expired(shard& s, sys_us now);
  void erase(shard& s, std::list<entry>::iterator it);
  session_view insert(std::string address);
  /// Takes `it` out of its address's count of fresh sessions (no-op when not counted).
  void release_address(entry& e);

  std::size_t cap_;
  std::chrono::seconds ttl_;
  std::function<sys_us()> clock_;
  std::vector<std::unique_ptr<shard>> shards_;
  std::atomic<std::size_t> size_{0};
  std::atomic<std::uint64_t> evictions_{0};
  std::atomic<std::uint64_t> refusals_{0};
  std::size_t fresh_per_address_;
  std::mutex address_mutex_;  // taken after a shard's mutex, never before
  std::unordered_map<std::string, std::size_t> fresh_by_address_;
  std::atomic<std::uint64_t> user_entropy_;

  metrics::gauge& active_;
  metrics::counter& created_;
  metrics::counter& expired_;
  metrics::counter& evicted_;
  metrics::counter& ended_;
  metrics::counter& refused_;
};

}  // namespace gg::shop
