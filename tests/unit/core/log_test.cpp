#include <gadgetgrove/core/log.hpp>

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

// 2026-11-26T15:19:11.123456Z
const gg::sys_us example_time =
    gg::sys_us{std::chrono::sys_days{std::chrono::year{2026} / 11 / 26}} + 15h + 19min + 11s +
    123456us;

std::string json_record(gg::log::level l, std::string_view stage, std::string_view msg,
                        std::initializer_list<gg::log::field> fields) {
  std::string out;
  gg::log::append_record(out, gg::log::format::json, l, example_time, stage, msg, fields);
  return out;
}

/// Captures what the logger writes, through a pipe, and restores stderr and the level after.
class captured_output {
 public:
  captured_output() {
    REQUIRE(::pipe2(fds_, O_NONBLOCK | O_CLOEXEC) == 0);
    gg::log::set_output_fd(fds_[1]);
    gg::log::set_format(gg::log::format::json);
  }
  ~captured_output() {
    gg::log::set_output_fd(STDERR_FILENO);
    gg::log::set_format(gg::log::format::automatic);
    gg::log::set_level(gg::log::level::info);
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  std::string drain() {
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fds_[0], buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace

TEST_CASE("a JSON record is one line with time, level, stage, message and fields", "[unit][core]") {
  const std::string line = json_record(gg::log::level::info, "pg", "connected",
                                       {{"host", "127.0.0.1"},
                                        {"port", 5432},
                                        {"lag", std::uint64_t{18446744073709551615ULL}},
                                        {"delta", -7},
                                        {"ratio", 0.25},
                                        {"tls", false}});
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  CHECK(line.rfind("{\"time\":\"2026-11-26T15:19:11.123Z\",\"level\":\"info\",\"stage\":\"pg\","
                   "\"msg\":\"connected\",",
                   0) == 0);

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["time"]) == "2026-11-26T15:19:11.123Z");
  CHECK(std::string_view(doc["level"]) == "info");
  CHECK(std::string_view(doc["stage"]) == "pg");
  CHECK(std::string_view(doc["msg"]) == "connected");
  CHECK(std::string_view(doc["host"]) == "127.0.0.1");
  CHECK(std::int64_t(doc["port"]) == 5432);
  CHECK(std::uint64_t(doc["lag"]) == 18446744073709551615ULL);
  CHECK(std::int64_t(doc["delta"]) == -7);
  CHECK(double(doc["ratio"]) == 0.25);
  CHECK(bool(doc["tls"]) == false);
}

TEST_CASE("record text is escaped so every record stays valid one-line JSON", "[unit][core]") {
  const std::string msg = "line1\nline2\t\"quoted\" back\\slash \x01 bad\xff end";
  const std::string line =
      json_record(gg::log::level::warn, "ingest", msg, {{"path", "/a\"b\nc"}, {"k\"ey", "v"}});
  CHECK(line.find('\n') == line.size() - 1);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["msg"]) ==
        "line1\nline2\t\"quoted\" back\\slash \x01 bad\xEF\xBF\xBD end");
  CHECK(std::string_view(doc["path"]) == "/a\"b\nc");
  CHECK(std::string_view(doc["k\"ey"]) == "v");
}

TEST_CASE("non-finite doubles are written as strings", "[unit][core]") {
  const std::string line = json_record(gg::log::level::error, "core", "m",
                                       {{"nan", std::numeric_limits<double>::quiet_NaN()},
                                        {"inf", std::numeric_limits<double>::infinity()},
                                        {"ninf", -std::numeric_limits<double>::infinity()},
                                        {"big", 1e300},
                                        {"small", -2.5e-300}});
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["nan"]) == "NaN");
  CHECK(std::string_view(doc["inf"]) == "Infinity");
  CHECK(std::string_view(doc["ninf"]) == "-Infinity");
  CHECK(double(doc["big"]) == 1e300);
  CHECK(double(doc["small"]) == -2.5e-300);
}

TEST_CASE("the human format is time, level, stage, message and key=value pairs", "[unit][core]") {
  std::string out;
  gg::log::append_record(out, gg::log::format::human, gg::log::level::info, example_time, "pg",
                         "connected", {{"port", 5432}, {"host", "db one"}, {"ok", true}});
  CHECK(out == "15:19:11.123 INFO  pg  connected port=5432 host=\"db one\" ok=true\n");
  out.clear();
  gg::log::append_record(out, gg::log::format::human, gg::log::level::error, example_time, "pg",
                         "two\nlines", {});
  CHECK(out == "15:19:11.123 ERROR pg  two\\nlines\n");
}

TEST_CASE("levels parse from their names and print back", "[unit][core]") {
  gg::log::level l{};
  for (const char* name : {"trace", "debug", "info", "warn", "error", "off"}) {
    REQUIRE(gg::log::parse_level(name, l));
    CHECK(gg::log::to_string(l) == name);
  }
  CHECK_FALSE(gg::log::parse_level("INFO", l));
  CHECK_FALSE(gg::log::parse_level("verbose", l));
  CHECK_FALSE(gg::log::parse_level("", l));
}

TEST_CASE("records below the current level are not written", "[unit][core]") {
  captured_output cap;
  const gg::logger log{"core"};
  gg::log::set_level(gg::log::level::warn);
  log.debug("hidden debug");
  log.info("hidden info");
  log.warn("shown warn", {{"n", 1}});
  log.error("shown error");
  const std::string out = cap.drain();
  CHECK(out.find("hidden") == std::string::npos);
  REQUIRE(std::count(out.begin(), out.end(), '\n') == 2);

  simdjson::dom::parser parser;
  simdjson::dom::document_stream stream;
  REQUIRE(parser.parse_many(out).get(stream) == simdjson::SUCCESS);
  std::vector<std::string> levels;
  for (auto doc : stream) {
    simdjson::dom::element e;
    REQUIRE(doc.get(e) == simdjson::SUCCESS);
    levels.emplace_back(std::string_view(e["level"]));
  }
  CHECK(levels == std::vector<std::string>{"warn", "error"});

  gg::log::set_level(gg::log::level::off);
  log.error("hidden error");
  CHECK(cap.drain().empty());
  CHECK_FALSE(gg::log::enabled(gg::log::level::off));
}

TEST_CASE("automatic format writes JSON when the output is not a terminal", "[unit][core]") {
  captured_output cap;
  gg::log::set_format(gg::log::format::automatic);
  gg::logger{"core"}.info("auto");
  const std::string out = cap.drain();
  CHECK(out.rfind("{\"time\":", 0) == 0);
}
