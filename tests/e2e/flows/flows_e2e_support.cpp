#include "flows_e2e_support.hpp"

#include "eventually.hpp"
#include "http_client.hpp"
#include "pg_query.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <fstream>

namespace gg::test::flows_e2e {

namespace fs = std::filesystem;

fs::path source_dir() {
  const char* src = std::getenv("GG_SOURCE_DIR");
  if (src == nullptr) FAIL("GG_SOURCE_DIR is not set");
  return src;
}

fs::path shipped_project() { return source_dir() / "sql/transform"; }

fs::path project_with_model(const fs::path& dir, const std::string& name,
                            const std::string& extra_name, const std::string& extra) {
  const fs::path to = dir / name;
  fs::copy(shipped_project(), to, fs::copy_options::recursive);
  std::ofstream out(to / "models/analytics" / (extra_name + ".sql"));
  out << extra;
  out.close();
  if (!out) FAIL("cannot write the model " << extra_name << " into " << to);
  return to;
}

std::vector<std::string> serve_args(const pg_database& db, std::vector<std::string> extra) {
  std::vector<std::string> args{"--database-url", db.conninfo(), "--traffic", "off"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

namespace {

std::string now_iso() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

const http_fields browser{{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"}};

}  // namespace

unsigned post_page_view(unsigned short public_port, const std::string& session) {
  http_client c(public_port);
  const std::string body =
      R"({"type":"page_view","url":"https://shop.example/category/laptops","path":"/category/laptops","title":"Laptops","referrer":"","timestamp":")" +
      now_iso() + R"(","sessionId":")" + session + R"(","userId":"u-)" + session + R"("})";
  return c.post("/api/analytics", body, "application/json", browser).status;
}

unsigned post_ecommerce_event(unsigned short public_port, const std::string& session) {
  http_client c(public_port);
  const std::string body =
      R"({"type":"custom_event","event":"add_to_cart","properties":{"product_id":"SM-1","price":1299.99},"timestamp":")" +
      now_iso() + R"(","sessionId":")" + session + R"("})";
  return c.post("/api/analytics", body, "application/json", browser).status;
}

run_result cli(const std::vector<std::string>& args, const fs::path& log_dir,
               std::chrono::milliseconds timeout, const std::map<std::string, std::string>& env) {
  auto r = run_to_end(binary_path(), args, log_dir, timeout, env);
  std::string line = "gadgetgrove";
  for (const auto& a : args) line += " " + a;
  UNSCOPED_INFO(line << "\nexit " << r.status << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
  return r;
}

std::string cell(pg::connection& conn, const std::string& sql) { return text(conn, sql); }

std::int64_t count(pg::connection& conn, const std::string& sql) { return scalar(conn, sql); }

bool wait_flow_idle(pg::connection& conn, const std::string& flow,
                    std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        auto r = conn.exec(
            "select count(*) from pipeline.flow_runs where flow = $1 and state in ('running', "
            "'pending', 'scheduled')",
            flow);
        return r && r->get_int64(0, 0) && *r->get_int64(0, 0) == 0;
      },
      timeout, std::chrono::milliseconds(50), "flow " + flow + " idle");
}

}  // namespace gg::test::flows_e2e
