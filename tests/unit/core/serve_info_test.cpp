#include <gadgetgrove/core/serve_info.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace {

gg::serve_info sample() {
  gg::serve_info info;
  info.public_address = "[::1]:8000";
  info.admin_address = "127.0.0.1:8001";
  info.database = "host='/tmp/a b' port=5433 password=**** dbname=\"x\"";
  info.pid = 4242;
  info.node = "web-1";
  return info;
}

}  // namespace

TEST_CASE("serve.json round-trips through its writer and its parser", "[unit][core]") {
  const auto text = gg::format_serve_info(sample());
  CHECK(text.back() == '\n');
  auto back = gg::parse_serve_info(text);
  REQUIRE(back.has_value());
  CHECK(back->public_address == "[::1]:8000");
  CHECK(back->admin_address == "127.0.0.1:8001");
  CHECK(back->database == sample().database);
  CHECK(back->pid == 4242);
  CHECK(back->node == "web-1");
}

TEST_CASE("serve.json is read by a JSON parser: order, spacing and unknown members do not matter",
          "[unit][core]") {
  auto info = gg::parse_serve_info(
      R"({ "pid" : 7, "later" : {"x":[1]}, "database":"d", "admin":"a:2", "public":"p:1" })");
  REQUIRE(info.has_value());
  CHECK(info->public_address == "p:1");
  CHECK(info->pid == 7);
  // A member name inside a string value is not a member.
  auto tricky = gg::parse_serve_info(
      R"({"database":"\"public\":\"evil:1\"","public":"p:1","admin":"a:2","pid":3})");
  REQUIRE(tricky.has_value());
  CHECK(tricky->public_address == "p:1");
}

TEST_CASE("a serve.json with a missing or mistyped member is refused, naming it", "[unit][core]") {
  const auto missing = gg::parse_serve_info(R"({"public":"p:1","database":"d","pid":3})");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("\"admin\"") != std::string::npos);
  const auto wrong = gg::parse_serve_info(R"({"public":1,"admin":"a","database":"d","pid":3})");
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().message.find("\"public\"") != std::string::npos);
  CHECK_FALSE(
      gg::parse_serve_info(R"({"public":"p","admin":"a","database":"d","pid":"3"})").has_value());
  CHECK_FALSE(
      gg::parse_serve_info(R"({"public":"p","admin":"a","database":"d","pid":3)").has_value());
  CHECK_FALSE(gg::parse_serve_info("[]").has_value());
}

TEST_CASE("serve.json is written atomically with mode 0600 and removed on request",
          "[unit][core]") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("gg-serve-info-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  CHECK(gg::read_serve_info(dir).error().code == gg::errc::not_found);
  REQUIRE(gg::write_serve_info(dir, sample()).has_value());
  const auto perms = std::filesystem::status(dir / "serve.json").permissions();
  CHECK(perms == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  CHECK_FALSE(std::filesystem::exists(dir / "serve.json.tmp"));
  auto back = gg::read_serve_info(dir);
  REQUIRE(back.has_value());
  CHECK(back->pid == 4242);
  gg::remove_serve_info(dir);
  CHECK_FALSE(std::filesystem::exists(dir / "serve.json"));
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "serve.json without a node (an older serve's) reads with an empty node, a mistyped one "
    "is refused",
    "[unit][core]") {
  auto old = gg::parse_serve_info(R"({"public":"p:1","admin":"a:2","database":"d","pid":3})");
  REQUIRE(old.has_value());
  CHECK(old->node.empty());
  const auto wrong =
      gg::parse_serve_info(R"({"public":"p:1","admin":"a:2","database":"d","pid":3,"node":7})");
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().message.find("\"node\"") != std::string::npos);
}
