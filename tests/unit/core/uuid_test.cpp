#include <gadgetgrove/core/uuid.hpp>

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

TEST_CASE("uuid v7 has version 7, the RFC variant and the current time", "[unit][core]") {
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const gg::uuid u = gg::uuid_v7();
  CHECK(u.version() == 7);
  CHECK((u.bytes[8] & 0xC0) == 0x80);
  std::int64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = (ms << 8) | u.bytes[i];
  CHECK(ms >= before);
  CHECK(ms < before + 5000);
  const std::string s = u.to_string();
  CHECK(s[14] == '7');
}

TEST_CASE("uuid v7 values strictly increase, also across threads", "[unit][core]") {
  gg::uuid prev = gg::uuid_v7();
  for (int i = 0; i < 100000; ++i) {
    const gg::uuid next = gg::uuid_v7();
    REQUIRE(prev < next);
    prev = next;
  }
  std::vector<std::vector<gg::uuid>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& out : per_thread) {
    threads.emplace_back([&out] {
      for (int i = 0; i < 20000; ++i) out.push_back(gg::uuid_v7());
    });
  }
  for (auto& t : threads) t.join();
  std::set<gg::uuid> all;
  for (const auto& v : per_thread) {
    for (std::size_t i = 1; i < v.size(); ++i) REQUIRE(v[i - 1] < v[i]);
    all.insert(v.begin(), v.end());
  }
  CHECK(all.size() == 80000);
}

TEST_CASE("uuid text parses back in either case", "[unit][core]") {
  const gg::uuid u = gg::uuid_v7();
  const std::string s = u.to_string();
  REQUIRE(s.size() == 36);
  CHECK(s[8] == '-');
  CHECK(s[13] == '-');
  CHECK(s[18] == '-');
  CHECK(s[23] == '-');
  const auto back = gg::parse_uuid(s);
  REQUIRE(back.has_value());
  CHECK(*back == u);

  const auto upper = gg::parse_uuid("0190A0B4-1C2D-7E3F-8A9B-0C1D2E3F4A5B");
  REQUIRE(upper.has_value());
  CHECK(upper->to_string() == "0190a0b4-1c2d-7e3f-8a9b-0c1d2e3f4a5b");
  CHECK(upper->version() == 7);
}

TEST_CASE("malformed uuid text is rejected", "[unit][core]") {
  CHECK_FALSE(gg::parse_uuid(""));
  CHECK_FALSE(gg::parse_uuid("0190a0b4-1c2d-7e3f-8a9b-0c1d2e3f4a5"));    // short
  CHECK_FALSE(gg::parse_uuid("0190a0b4-1c2d-7e3f-8a9b-0c1d2e3f4a5b0"));  // long
  CHECK_FALSE(gg::parse_uuid("0190a0b41c2d-7e3f-8a9b-0c1d2e3f4a5b0"));   // dash missing
  CHECK_FALSE(gg::parse_uuid("0190a0b4-1c2d-7e3f-8a9b-0c1d2e3f4a5g"));   // not hex
  CHECK_FALSE(gg::parse_uuid("{190a0b4-1c2d-7e3f-8a9b-0c1d2e3f4a5b}"));
  CHECK_FALSE(gg::parse_uuid("0190a0b4_1c2d_7e3f_8a9b_0c1d2e3f4a5b"));
}

TEST_CASE("uuid v4 has version 4, the RFC variant and is random", "[unit][core]") {
  std::set<gg::uuid> seen;
  for (int i = 0; i < 1000; ++i) {
    const gg::uuid u = gg::uuid_v4();
    CHECK(u.version() == 4);
    CHECK((u.bytes[8] & 0xC0) == 0x80);
    seen.insert(u);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("a forked child does not repeat the parent's random bits", "[unit][core]") {
  (void)gg::uuid_v7();  // the generator of this thread is seeded before the fork
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const gg::uuid u = gg::uuid_v7();
    const ssize_t n = ::write(fds[1], u.bytes.data(), u.bytes.size());
    ::_exit(n == 16 ? 0 : 1);
  }
  const gg::uuid mine = gg::uuid_v7();
  gg::uuid theirs;
  REQUIRE(::read(fds[0], theirs.bytes.data(), theirs.bytes.size()) == 16);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  ::close(fds[0]);
  ::close(fds[1]);
  CHECK(std::equal(mine.bytes.begin() + 8, mine.bytes.end(), theirs.bytes.begin() + 8) == false);
}

TEST_CASE("uuid_v4_from_bits is a version 4 UUID fixed by its bits", "[unit][core]") {
  const std::string all_ones =
      gg::uuid_v4_from_bits(0xffffffffffffffffULL, 0xffffffffffffffffULL).to_string();
  CHECK(all_ones == "ffffffff-ffff-4fff-bfff-ffffffffffff");
  CHECK(gg::uuid_v4_from_bits(0, 0).to_string() == "00000000-0000-4000-8000-000000000000");
  const auto u = gg::uuid_v4_from_bits(0x0123456789abcdefULL, 0xfedcba9876543210ULL);
  CHECK(u.to_string() == "01234567-89ab-4def-bedc-ba9876543210");
  CHECK(u.version() == 4);
  CHECK(gg::parse_uuid(u.to_string()) == u);
}
