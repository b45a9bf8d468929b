#include "fault_file_system.hpp"

#include "eventlog_test_util.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

using namespace gg::eventlog;

namespace {

gg::result<std::size_t> write(writable_file& f, const std::string& s) {
  const ::iovec v{const_cast<char*>(s.data()), s.size()};
  return f.writev(std::span<const ::iovec>(&v, 1));
}

}  // namespace

TEST_CASE("a crash keeps synced bytes and synced directory entries only", "[unit][eventlog]") {
  fault_file_system fs;
  REQUIRE(fs.create_dirs("/d"));
  auto f = fs.open_append("/d/a");
  REQUIRE(f);
  REQUIRE(write(**f, "hello "));
  REQUIRE((*f)->sync());
  REQUIRE(write(**f, "world"));
  REQUIRE(fs.sync_dir("/d"));
  auto g = fs.open_append("/d/b");  // never made durable in the directory
  REQUIRE(g);
  REQUIRE(write(**g, "b"));
  REQUIRE((*g)->sync());
  CHECK(*fs.contents("/d/a") == "hello world");

  fs.crash();
  CHECK_FALSE(fs.read_file("/d/a"));
  CHECK_FALSE(write(**f, "more"));
  fs.reboot();
  CHECK(*fs.contents("/d/a") == "hello ");
  CHECK_FALSE(fs.contents("/d/b"));
  CHECK_FALSE(write(**f, "stale handle"));
}

TEST_CASE("a rename survives a crash only after the directory is synced", "[unit][eventlog]") {
  fault_file_system fs;
  fs.put("/d/x.open", "data");
  REQUIRE(fs.rename("/d/x.open", "/d/x"));
  fs.crash();
  fs.reboot();
  CHECK(fs.contents("/d/x.open"));
  CHECK_FALSE(fs.contents("/d/x"));

  REQUIRE(fs.rename("/d/x.open", "/d/x"));
  REQUIRE(fs.sync_dir("/d"));
  fs.crash();
  fs.reboot();
  CHECK_FALSE(fs.contents("/d/x.open"));
  CHECK(*fs.contents("/d/x") == "data");
}

TEST_CASE("a write past the capacity is cut short, then fails with no_space", "[unit][eventlog]") {
  fault_file_system fs;
  REQUIRE(fs.create_dirs("/d"));
  fs.set_capacity(10);
  auto f = fs.open_append("/d/a");
  REQUIRE(f);
  auto n = write(**f, "0123456789abc");
  REQUIRE(n);
  CHECK(*n == 10);
  auto again = write(**f, "abc");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == gg::errc::no_space);
  CHECK(*fs.available_bytes("/d") == 0);
  REQUIRE((*f)->truncate(4));
  CHECK(*fs.available_bytes("/d") == 6);
}

TEST_CASE("injected write faults give a short write, then the error", "[unit][eventlog]") {
  fault_file_system fs;
  REQUIRE(fs.create_dirs("/d"));
  auto f = fs.open_append("/d/a");
  REQUIRE(f);
  fs.fail_next_writes(EIO, 1, 3);
  auto n = write(**f, "abcdef");
  REQUIRE(n);
  CHECK(*n == 3);
  auto e = write(**f, "def");
  REQUIRE_FALSE(e);
  CHECK(e.error().code == gg::errc::io);
  CHECK(write(**f, "def"));
  CHECK(*fs.contents("/d/a") == "abcdef");

  fs.fail_next_syncs(ENOSPC);
  auto s = (*f)->sync();
  REQUIRE_FALSE(s);
  CHECK(s.error().code == gg::errc::no_space);
  CHECK((*f)->sync());
}

TEST_CASE("opening a file in a missing directory fails", "[unit][eventlog]") {
  fault_file_system fs;
  auto f = fs.open_append("/nope/a");
  REQUIRE_FALSE(f);
  CHECK(f.error().code == gg::errc::not_found);
  CHECK_FALSE(fs.list_dir("/nope"));
}
