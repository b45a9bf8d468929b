#include <gadgetgrove/shop/session_store.hpp>

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/random.hpp>
#include <gadgetgrove/core/uuid.hpp>

#include <gadgetgrove/core/prng.hpp>

#include <algorithm>
#include <array>

namespace gg::shop {
namespace {

constexpr std::size_t token_bytes = 32;
constexpr std::size_t token_chars = 43;  // base64url of 32 bytes, no padding

// Small stores (tests, tiny deployments) use one shard so the cap is exact per store.
constexpr std::size_t sharded_from = 1024;
constexpr std::size_t shard_count = 16;

bool base64url_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

std::uint64_t random_u64() noexcept {
  std::array<std::uint8_t, 8> bytes{};
  gg::secure_random(bytes);
  std::uint64_t v = 0;
  for (auto b : bytes) v = (v << 8) | b;
  return v;
}

}  // namespace

bool plausible_session_token(std::string_view token) noexcept {
  return token.size() == token_chars && std::all_of(token.begin(), token.end(), base64url_char);
}

namespace {
metrics::registry& registry_of(const session_store_options& o) {
  return o.metrics != nullptr ? *o.metrics : metrics::global();
}
}  // namespace

session_store::session_store(session_store_options options)
    : session_store(options, registry_of(options)) {}

session_store::session_store(session_store_options& options, metrics::registry& reg)
    : cap_(std::max<std::size_t>(options.cap, 1)),
      ttl_(std::max(options.ttl, std::chrono::seconds{1})),
      clock_(std::move(options.clock)),
      fresh_per_address_(std::max<std::size_t>(options.fresh_per_address, 1)),
      user_entropy_(random_u64()),
      active_(reg.get_gauge("gadgetgrove_shop_sessions_active", "Shop sessions held in memory")),
      created_(reg.get_counter("gadgetgrove_shop_sessions_created_total", "Shop sessions created")),
      expired_(reg.get_counter("gadgetgrove_shop_sessions_expired_total",
                               "Shop sessions removed after their expiry")),
      evicted_(reg.get_counter("gadgetgrove_shop_sessions_evicted_total",
                               "Live shop sessions evicted because the session cap was reached")),
      ended_(reg.get_counter("gadgetgrove_shop_sessions_ended_total",
                             "Shop sessions ended by their visitor")),
      refused_(reg.get_counter(
          "gadgetgrove_shop_sessions_refused_total",
          "New shop sessions refused: the client address holds too many never used again")) {
  const std::size_t n = cap_ >= sharded_from ? shard_count : 1;
  shards_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto s = std::make_unique<shard>();
    s->cap = cap_ / n + (i < cap_ % n ? 1 : 0);
    shards_.push_back(std::move(s));
  }
}

session_store::~session_store() { active_.sub(static_cast<double>(size())); }

sys_us session_store::now() const { return clock_ ? clock_() : gg::now_us(); }

session_store::shard& session_store::shard_for(std::string_view token) const noexcept {
  if (shards_.size() == 1) return *shards_.front();
  return *shards_[std::hash<std::string_view>{}(token) % shards_.size()];
}

void session_store::release_address(entry& e) {
  if (e.address.empty()) return;
  std::lock_guard lock(address_mutex_);
  const auto found = fresh_by_address_.find(e.address);
  if (found != fresh_by_address_.end() && --found->second == 0) fresh_by_address_.erase(found);
  e.address.clear();
}

void session_store::erase(shard& s, std::list<entry>::iterator it) {
  release_address(*it);
  s.by_token.erase(std::string_view{it->identity->token});
  (it->fresh ? s.fresh : s.by_expiry).erase(it);
  size_.fetch_sub(1, std::memory_order_relaxed);
  active_.sub(1);
}

std::size_t session_store::drop_expired(shard& s, sys_us now) {
  std::size_t n = 0;
  for (auto* list : {&s.fresh, &s.by_expiry}) {
    while (!list->empty() && list->front().expires <= now) {
      erase(s, list->begin());
      ++n;
    }
  }
  if (n > 0) expired_.inc(n);
  return n;
}

session_view session_store::create() { return insert({}); }

std::optional<session_view> session_store::create_for(std::string_view client_address) {
  const std::string address(client_address);
  const auto reserve = [&] {
    std::lock_guard lock(address_mutex_);
    auto& n = fresh_by_address_[address];
    if (n >= fresh_per_address_) return false;
    ++n;  // reserved here, so concurrent creations from one address cannot overshoot
    return true;
  };
  // Expired sessions leave lazily; at the limit, drop them before refusing (the shard mutexes
  // come before the address mutex, so not while holding it).
  if (!reserve() && (sweep(), !reserve())) {
    refusals_.fetch_add(1, std::memory_order_relaxed);
    refused_.inc();
    return std::nullopt;
  }
  return insert(address);
}

session_view session_store::insert(std::string address) {
  auto identity = std::make_shared<session_identity>();
  identity->token = gg::random_token_urlsafe(token_bytes);
  identity->id = gg::uuid_v4().to_string();
  identity->user =
      make_fake_user(mix64(user_entropy_.fetch_add(golden_gamma, std::memory_order_relaxed)));
  const sys_us t = now();
  identity->created = t;
  const sys_us expires = t + ttl_;

  shard& s = shard_for(identity->token);
  std::lock_guard lock(s.mutex);
  drop_expired(s, t);
  // Sessions never used again go first: a flood of cookieless requests makes only those.
  while (s.by_token.size() >= s.cap && !(s.fresh.empty() && s.by_expiry.empty())) {
    erase(s, s.fresh.empty() ? s.by_expiry.begin() : s.fresh.begin());
    evictions_.fetch_add(1, std::memory_order_relaxed);
    evicted_.inc();
  }
  s.fresh.push_back(entry{identity, expires, true, std::move(address)});
  s.by_token.emplace(std::string_view{identity->token}, std::prev(s.fresh.end()));
  size_.fetch_add(1, std::memory_order_relaxed);
  active_.add(1);
  created_.inc();
  return session_view{std::move(identity), expires};
}

std::optional<session_view> session_store::touch(std::string_view token) {
  if (!plausible_session_token(token)) return std::nullopt;
  shard& s = shard_for(token);
  const sys_us t = now();
  std::lock_guard lock(s.mutex);
  const auto found = s.by_token.find(token);
  if (found == s.by_token.end()) return std::nullopt;
  const auto it = found->second;
  if (it->expires <= t) {
    erase(s, it);
    expired_.inc();
    return std::nullopt;
  }
  it->expires = t + ttl_;
  // The cookie came back: the session is established and no longer counts against its
  // address. It now expires last: keep the list in expiry order.
  release_address(*it);
  s.by_expiry.splice(s.by_expiry.end(), it->fresh ? s.fresh : s.by_expiry, it);
  it->fresh = false;
  return session_view{it->identity, it->expires};
}

std::optional<session_view> session_store::peek(std::string_view token) const {
  if (!plausible_session_token(token)) return std::nullopt;
  shard& s = shard_for(token);
  const sys_us t = now();
  std::lock_guard lock(s.mutex);
  const auto found = s.by_token.find(token);
  if (found == s.by_token.end() || found->second->expires <= t) return std::nullopt;
  return session_view{found->second->identity, found->second->expires};
}

std::optional<session_view> session_store::end(std::string_view token) {
  if (!plausible_session_token(token)) return std::nullopt;
  shard& s = shard_for(token);
  const sys_us t = now();
  std::lock_guard lock(s.mutex);
  const auto found = s.by_token.find(token);
  if (found == s.by_token.end()) return std::nullopt;
  const auto it = found->second;
  const bool live = it->expires > t;
  session_view view{it->identity, it->expires};
  erase(s, it);
  if (!live) {
    expired_.inc();
    return std::nullopt;
  }
  ended_.inc();
  return view;
}

std::size_t session_store::sweep() {
  const sys_us t = now();
  std::size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    n += drop_expired(*s, t);
  }
  return n;
}

}  // namespace gg::shop
