#include <gadgetgrove/shop/session_store.hpp>

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/uuid.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using gg::shop::session_store;
using gg::shop::session_store_options;

/// A clock the test moves by hand.
struct manual_clock {
  std::shared_ptr<std::atomic<std::int64_t>> us =
      std::make_shared<std::atomic<std::int64_t>>(1'800'000'000'000'000);  // 2027-01-15
  gg::sys_us operator()() const { return gg::sys_us{std::chrono::microseconds{us->load()}}; }
  void advance(std::chrono::microseconds d) const { us->fetch_add(d.count()); }
};

session_store_options options(const manual_clock& clock, std::size_t cap = 100,
                              std::chrono::seconds ttl = 30min) {
  session_store_options o;
  o.cap = cap;
  o.ttl = ttl;
  o.clock = clock;
  return o;
}

}  // namespace

TEST_CASE("a new session has a 32-byte URL-safe token, a public id and a fake user",
          "[unit][shop]") {
  manual_clock clock;
  session_store store(options(clock));
  const auto s = store.create();
  CHECK(s->token.size() == 43);
  CHECK(gg::shop::plausible_session_token(s->token));
  CHECK(gg::parse_uuid(s->id).has_value());
  CHECK(s->id != s->token);
  CHECK(gg::parse_uuid(s->user.id).has_value());
  const std::string expected_email = s->user.first_name + '.' + s->user.last_name + "@example.com";
  std::string lower;
  for (char c : expected_email) lower.push_back(static_cast<char>(std::tolower(c)));
  CHECK(s->user.email == lower);
  CHECK(!s->user.address.street.empty());
  CHECK(s->user.address.country == "US");
  CHECK(s->created == clock());
  CHECK(s.expires == clock() + 30min);
  CHECK(store.size() == 1);
  CHECK(store.create()->token != s->token);
}

TEST_CASE("touching a session slides its expiry", "[unit][shop]") {
  manual_clock clock;
  session_store store(options(clock));
  const auto s = store.create();
  clock.advance(20min);
  const auto touched = store.touch(s->token);
  REQUIRE(touched);
  CHECK(touched->expires == clock() + 30min);
  CHECK((*touched)->id == s->id);
  clock.advance(20min);  // 40 minutes after creation, 20 after the touch
  CHECK(store.peek(s->token));
  clock.advance(10min);  // exactly 30 minutes after the touch
  CHECK_FALSE(store.touch(s->token));
  CHECK(store.size() == 0);
}

TEST_CASE("peek does not extend a session", "[unit][shop]") {
  manual_clock clock;
  session_store store(options(clock));
  const auto s = store.create();
  clock.advance(29min);
  REQUIRE(store.peek(s->token));
  clock.advance(1min);
  CHECK_FALSE(store.peek(s->token));
}

TEST_CASE("ending a session removes it once", "[unit][shop]") {
  manual_clock clock;
  session_store store(options(clock));
  const auto s = store.create();
  const auto ended = store.end(s->token);
  REQUIRE(ended);
  CHECK((*ended)->id == s->id);
  CHECK_FALSE(store.end(s->token));
  CHECK_FALSE(store.touch(s->token));
  CHECK(store.size() == 0);
}

TEST_CASE("an expired session cannot be ended", "[unit][shop]") {
  manual_clock clock;
  session_store store(options(clock));
  const auto s = store.create();
  clock.advance(31min);
  CHECK_FALSE(store.end(s->token));
  CHECK(store.size() == 0);
}

TEST_CASE("sweeping removes expired sessions only", "[unit][shop]") {
  manual_clock clock;
  session_store store(options(clock));
  const auto old1 = store.create();
  const auto old2 = store.create();
  clock.advance(20min);
  const auto young = store.create();
  clock.advance(15min);
  CHECK(store.sweep() == 2);
  CHECK(store.size() == 1);
  CHECK(store.peek(young->token));
  CHECK_FALSE(store.peek(old1->token));
  CHECK_FALSE(store.peek(old2->token));
}

TEST_CASE("at the cap the session closest to expiry is evicted", "[unit][shop]") {
  manual_clock clock;
  session_store store(options(clock, 3));
  const auto a = store.create();
  clock.advance(1s);
  const auto b = store.create();
  clock.advance(1s);
  const auto c = store.create();
  clock.advance(1s);
  REQUIRE(store.touch(a->token));  // a now expires last; b is closest to expiry
  const auto d = store.create();
  CHECK(store.size() == 3);
  CHECK(store.evictions() == 1);
  CHECK_FALSE(store.peek(b->token));
  CHECK(store.peek(a->token));
  CHECK(store.peek(c->token));
  CHECK(store.peek(d->token));
}

TEST_CASE("a flood of new sessions never holds more than the cap", "[unit][shop]") {
  manual_clock clock;
  session_store store(options(clock, 4096));
  for (int i = 0; i < 20'000; ++i) (void)store.create();
  CHECK(store.size() == 4096);
  CHECK(store.evictions() == 20'000 - 4096);
}

TEST_CASE("expired sessions make room before live ones are evicted", "[unit][shop]") {
  manual_clock clock;
  session_store store(options(clock, 2));
  (void)store.create();
  (void)store.create();
  clock.advance(31min);
  (void)store.create();
  (void)store.create();
  CHECK(store.size() == 2);
  CHECK(store.evictions() == 0);
}

TEST_CASE("a flood of new sessions never evicts a session its visitor came back to",
          "[unit][shop]") {
  manual_clock clock;
  session_store store(options(clock, 10));
  const auto shopper = store.create();
  clock.advance(1s);
  REQUIRE(store.touch(shopper->token));  // the browser kept the cookie and came back
  for (int i = 0; i < 1000; ++i) {
    clock.advance(1ms);
    (void)store.create();  // cookieless requests: the cookie is never sent back
  }
  CHECK(store.size() == 10);
  CHECK(store.peek(shopper->token));
  // Once every session held has been used again, the one closest to expiry goes as before.
  const auto other = store.create();
  REQUIRE(store.touch(other->token));
}

TEST_CASE("one address holds a bounded number of sessions never used again", "[unit][shop]") {
  manual_clock clock;
  auto o = options(clock, 100);
  o.fresh_per_address = 3;
  session_store store(o);
  const auto a = store.create_for("203.0.113.9");
  REQUIRE(a);
  REQUIRE(store.create_for("203.0.113.9"));
  REQUIRE(store.create_for("203.0.113.9"));
  CHECK_FALSE(store.create_for("203.0.113.9"));
  CHECK(store.refusals() == 1);
  CHECK(store.create_for("198.51.100.7"));
  // A session used again no longer counts against its address.
  REQUIRE(store.touch((*a)->token));
  CHECK(store.create_for("203.0.113.9"));
  CHECK_FALSE(store.create_for("203.0.113.9"));
  // Nor does one that expired.
  clock.advance(31min);
  CHECK(store.create_for("203.0.113.9"));
}

TEST_CASE("malformed tokens are turned away without a lookup", "[unit][shop]") {
  manual_clock clock;
  session_store store(options(clock));
  const auto s = store.create();
  CHECK_FALSE(gg::shop::plausible_session_token(""));
  CHECK_FALSE(gg::shop::plausible_session_token(s->token + "x"));
  CHECK_FALSE(gg::shop::plausible_session_token(std::string(43, '=')));
  CHECK_FALSE(store.touch("not a token"));
  CHECK_FALSE(store.touch(std::string(43, 'A')));
  CHECK_FALSE(store.end("../../etc/passwd"));
}

TEST_CASE("sessions stay consistent under concurrent use", "[unit][shop]") {
  manual_clock clock;
  session_store store(options(clock, 2048));
  std::vector<std::thread> threads;
  std::atomic<int> touched{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 2000; ++i) {
        mine.push_back(store.create()->token);
        if (store.touch(mine[static_cast<std::size_t>(i) / 2])) touched.fetch_add(1);
        if (i % 7 == 0) (void)store.end(mine[static_cast<std::size_t>(i) / 3]);
        if (i % 100 == 0) (void)store.sweep();
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(store.size() <= 2048);
  CHECK(touched.load() > 0);
}

TEST_CASE("session metrics go to the registry the store is given", "[unit][shop]") {
  manual_clock clock;
  gg::metrics::registry reg;
  auto o = options(clock);
  o.metrics = &reg;
  session_store store(o);
  const auto s = store.create();
  store.create();
  const std::string text = reg.expose();
  CHECK(text.find("gadgetgrove_shop_sessions_created_total 2\n") != std::string::npos);
  CHECK(text.find("gadgetgrove_shop_sessions_active 2\n") != std::string::npos);
  // The process-wide registry is left alone.
  CHECK(gg::metrics::global().expose().find("gadgetgrove_shop_sessions_created_total 2\n") ==
        std::string::npos);
}
