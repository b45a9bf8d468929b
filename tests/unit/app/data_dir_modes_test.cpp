#include "process_setup.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void make_file(const fs::path& p, unsigned mode) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "{}\n";
  REQUIRE(::chmod(p.c_str(), mode) == 0);
}

unsigned data_dir_mode() { return ::geteuid() == 0 ? 0711 : 0700; }

}  // namespace

TEST_CASE("start-up tightens the data directory, segments, archive and quarantine to 0700/0600",
          "[unit][app]") {
  gg::test::temp_dir tmp("gg-modes");
  const fs::path data = tmp / "data";
  fs::create_directories(data);
  REQUIRE(::chmod(data.c_str(), 0755) == 0);
  const fs::path segment = data / "log" / "page_views" / "20250101T000000000000Z-00000001.jsonl";
  const fs::path archived =
      data / "archive" / "page_views" / "2025-01-01" / "20250101T000000000000Z-00000000.jsonl";
  const fs::path quarantined = data / "quarantine" / "user_events" / "x.jsonl.bytes-0-3";
  make_file(segment, 0644);
  make_file(archived, 0664);
  make_file(quarantined, 0640);
  const fs::path read_only = data / "log" / "page_views" / "20250101T000000000000Z-00000002.jsonl";
  make_file(read_only, 0444);
  for (const fs::path& d : {data / "log", data / "log" / "page_views", data / "archive",
                            data / "archive" / "page_views" / "2025-01-01", data / "quarantine"}) {
    REQUIRE(::chmod(d.c_str(), 0755) == 0);
  }
  // PostgreSQL keeps its own directory; its modes are its business.
  const fs::path pg_file = data / "pg" / "postgresql.conf";
  make_file(pg_file, 0644);

  auto prepared = gg::app::prepare_data_dir(data.string());
  REQUIRE(prepared.has_value());
  CHECK(mode_of(data) == data_dir_mode());
  CHECK(mode_of(segment) == 0600);
  CHECK(mode_of(archived) == 0600);
  CHECK(mode_of(quarantined) == 0600);
  CHECK(mode_of(read_only) == 0400);
  for (const fs::path& d :
       {data / "log", data / "log" / "page_views", data / "archive",
        data / "archive" / "page_views", data / "archive" / "page_views" / "2025-01-01",
        data / "quarantine", data / "quarantine" / "user_events"}) {
    INFO(d);
    CHECK(mode_of(d) == 0700);
  }
  CHECK(mode_of(pg_file) == 0644);

  const auto report = gg::app::tighten_data_dir_modes(data);
  CHECK(report.fixed == 0);
  CHECK(report.failed == 0);
}

TEST_CASE("tightening reports what it fixed", "[unit][app]") {
  gg::test::temp_dir tmp("gg-modes-report");
  const fs::path data = tmp / "data";
  make_file(data / "log" / "event_queue" / "a.jsonl", 0644);
  make_file(data / "log" / "event_queue" / "b.jsonl", 0600);
  REQUIRE(::chmod((data / "log").c_str(), 0700) == 0);
  REQUIRE(::chmod((data / "log" / "event_queue").c_str(), 0750) == 0);
  REQUIRE(::chmod(data.c_str(), data_dir_mode()) == 0);
  const auto report = gg::app::tighten_data_dir_modes(data);
  CHECK(report.fixed == 2);
  CHECK(report.failed == 0);
  CHECK(report.first_fixed.find("event_queue") != std::string::npos);
}

TEST_CASE("a new data directory is created private", "[unit][app]") {
  gg::test::temp_dir tmp("gg-modes-new");
  const ::mode_t old = ::umask(022);
  auto prepared = gg::app::prepare_data_dir((tmp / "fresh" / "data").string());
  ::umask(old);
  REQUIRE(prepared.has_value());
  CHECK(mode_of(*prepared) == data_dir_mode());
}
