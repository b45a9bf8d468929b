#include <gadgetgrove/core/result.hpp>

#include <catch2/catch.hpp>

#include <cerrno>
#include <stdexcept>

#include <gadgetgrove/core/stage.hpp>

namespace {

gg::result<int> half(int v) {
  if (v % 2 != 0) return gg::fail(gg::errc::invalid_input, "odd: " + std::to_string(v));
  return v / 2;
}

}  // namespace

TEST_CASE("a result carries either a value or an error", "[unit][core]") {
  const auto ok = half(4);
  REQUIRE(ok.has_value());
  CHECK(*ok == 2);
  const auto bad = half(3);
  REQUIRE(bad.has_error());
  CHECK(bad.error().code == gg::errc::invalid_input);
  CHECK(bad.error().message == "odd: 3");
}

TEST_CASE("value() on an error throws a runtime_error with its message", "[unit][core]") {
  const auto bad = half(3);
  CHECK_THROWS_WITH(bad.value(), "odd: 3");
  CHECK_THROWS_AS(bad.value(), std::runtime_error);
}

TEST_CASE("from_errno maps errno to a code, retriability and message", "[unit][core]") {
  const gg::error e = gg::from_errno("open /x", ENOENT);
  CHECK(e.code == gg::errc::not_found);
  CHECK(e.message == "open /x: No such file or directory");
  CHECK_FALSE(e.is_retriable());
  CHECK(gg::from_errno("write", ENOSPC).code == gg::errc::no_space);
  CHECK(gg::from_errno("write", ENOSPC).is_retriable());
  CHECK(gg::from_errno("connect", ECONNREFUSED).code == gg::errc::unavailable);
  CHECK(gg::from_errno("read", EIO).code == gg::errc::io);
}

TEST_CASE("error codes and health states have stable names", "[unit][core]") {
  CHECK(gg::to_string(gg::errc::invalid_input) == "invalid_input");
  CHECK(gg::to_string(gg::errc::no_space) == "no_space");
  CHECK(gg::to_string(gg::errc::internal) == "internal");
  CHECK(gg::to_string(gg::health_state::up) == "up");
  CHECK(gg::to_string(gg::health_state::degraded) == "degraded");
  CHECK(gg::to_string(gg::health_state::stopped) == "stopped");
}
