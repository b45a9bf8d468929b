#include <gadgetgrove/eventlog/completion.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <memory>

using gg::eventlog::completion;

TEST_CASE("a completion carries a move-only handler and passes the status through",
          "[unit][eventlog]") {
  int calls = 0;
  bool last_ok = false;
  auto token = std::make_unique<int>(42);
  completion c = [&calls, &last_ok, t = std::move(token)](gg::status s) {
    ++calls;
    last_ok = s.has_value() && *t == 42;
  };
  REQUIRE(c);
  completion moved = std::move(c);
  CHECK_FALSE(c);
  REQUIRE(moved);
  moved(gg::status{});
  CHECK(calls == 1);
  CHECK(last_ok);
  moved(gg::fail(gg::errc::no_space, "full"));
  CHECK(calls == 2);
  CHECK_FALSE(last_ok);
}

TEST_CASE("a large handler is kept on the heap and destroyed once", "[unit][eventlog]") {
  auto tracker = std::make_shared<int>(0);
  {
    std::array<char, 200> big{};
    big[0] = 'x';
    completion c = [tracker, big](gg::status) { *tracker += big[0] == 'x' ? 1 : 0; };
    CHECK(tracker.use_count() == 2);
    completion d;
    d = std::move(c);
    CHECK(tracker.use_count() == 2);
    d(gg::status{});
    CHECK(*tracker == 1);
  }
  CHECK(tracker.use_count() == 1);
}

TEST_CASE("an inline handler is destroyed with its completion", "[unit][eventlog]") {
  auto tracker = std::make_shared<int>(0);
  {
    completion c = [tracker](gg::status) {};
    completion d = std::move(c);
    CHECK(tracker.use_count() == 2);
    d.reset();
    CHECK(tracker.use_count() == 1);
  }
  CHECK(tracker.use_count() == 1);
}
