#include "cli.hpp"

#include <gadgetgrove/core/node_id.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace {

using gg::app::parse_cli;
using gg::app::parsed_cli;

struct outcome {
  std::variant<parsed_cli, int> parsed;
  std::string out, err;
};

outcome run(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  outcome o;
  auto lookup = [env](const std::string& name) -> std::optional<std::string> {
    if (auto it = env.find(name); it != env.end()) return it->second;
    return std::nullopt;
  };
  o.parsed = parse_cli(args, lookup, o.out, o.err);
  return o;
}

const parsed_cli& ok(const outcome& o) {
  INFO("stderr: " << o.err);
  REQUIRE(std::holds_alternative<parsed_cli>(o.parsed));
  return std::get<parsed_cli>(o.parsed);
}

int code(const outcome& o) {
  REQUIRE(std::holds_alternative<int>(o.parsed));
  return std::get<int>(o.parsed);
}

std::string source_of(const parsed_cli& p, const std::string& name) {
  for (const auto& o : p.origins) {
    if (o.name == name) return o.source;
  }
  return "<missing>";
}

std::string write_config(const std::string& text) {
  static int n = 0;
  auto path = std::filesystem::temp_directory_path() /
              ("gg-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("defaults apply when nothing else is given", "[unit][app]") {
  auto o = run({"serve"});
  const auto& p = ok(o);
  CHECK(p.cmd == gg::app::command::serve);
  CHECK(p.opts.data_dir == "data");
  CHECK(p.opts.listen == "0.0.0.0:8000");
  CHECK(p.opts.admin_listen == "127.0.0.1:8050");
  CHECK(p.opts.drain_timeout == std::chrono::seconds(10));
  CHECK(source_of(p, "data-dir") == "default");
}

TEST_CASE("command line beats environment beats config file beats default", "[unit][app]") {
  auto file = write_config(
      "data-dir = \"/from/file\"\nthreads = 3\nlog-level = \"warn\"\n"
      "[serve]\nlisten = \"127.0.0.1:9000\"\n");
  std::map<std::string, std::string> env{{"GADGETGROVE_DATA_DIR", "/from/env"},
                                         {"GADGETGROVE_THREADS", "5"}};
  auto o = run({"serve", "--config", file, "--threads", "7"}, env);
  const auto& p = ok(o);
  CHECK(p.opts.threads == 7);
  CHECK(source_of(p, "threads") == "command line");
  CHECK(p.opts.data_dir == "/from/env");
  CHECK(source_of(p, "data-dir") == "env GADGETGROVE_DATA_DIR");
  CHECK(p.opts.log_level == gg::log::level::warn);
  CHECK(source_of(p, "log-level") == "config " + file);
  CHECK(p.opts.listen == "127.0.0.1:9000");
  CHECK(p.opts.admin_listen == "127.0.0.1:8050");
  std::filesystem::remove(file);
}

TEST_CASE("a [serve] section does not leak into other subcommands", "[unit][app]") {
  auto file = write_config("[serve]\nlog-level = \"debug\"\n");
  auto o = run({"init", "--config", file});
  CHECK(ok(o).opts.log_level == gg::log::level::info);
  std::filesystem::remove(file);
}

TEST_CASE("DATABASE_URL is used when no other source names a database", "[unit][app]") {
  auto o = run({"init"}, {{"DATABASE_URL", "postgresql://u:pw@db/x"}});
  const auto& p = ok(o);
  CHECK(p.opts.database_url == "postgresql://u:pw@db/x");
  CHECK(source_of(p, "database-url") == "env DATABASE_URL");
}

TEST_CASE("print-config masks the database password", "[unit][app]") {
  auto o = run({"serve", "--print-config", "--database-url", "postgresql://u:secret@db/x"});
  const auto& p = ok(o);
  CHECK(p.opts.print_config);
  auto table = gg::app::format_origins(p.origins);
  CHECK(table.find("secret") == std::string::npos);
  CHECK(table.find("postgresql://u:****@db/x") != std::string::npos);
  CHECK(table.find("command line") != std::string::npos);
}

TEST_CASE("print-config shows no password in any form or from any source", "[unit][app]") {
  for (const std::string url : {
           "postgresql://u:hunter2@db/x",
           "postgresql://db/x?user=u&password=hunter2",
           "postgresql://db/x?pass%77ord=hunter2",
           "postgresql://u:hunt%65r2@db/x",
           "host=db password=hunter2 dbname=x",
           "host=db password='hunter2 with spaces' dbname=x",
           "host=db password = 'it\\'s hunter2'",
       }) {
    INFO(url);
    auto cli = run({"serve", "--print-config", "--database-url", url});
    CHECK(gg::app::format_origins(ok(cli).origins).find("hunter2") == std::string::npos);
    auto env = run({"serve", "--print-config"}, {{"DATABASE_URL", url}});
    CHECK(gg::app::format_origins(ok(env).origins).find("hunter2") == std::string::npos);
    auto own_env = run({"serve", "--print-config"}, {{"GADGETGROVE_DATABASE_URL", url}});
    CHECK(gg::app::format_origins(ok(own_env).origins).find("hunter2") == std::string::npos);
  }
  auto file = write_config("database-url = \"postgresql://db/x?password=hunter2\"\n");
  auto from_file = run({"serve", "--print-config", "--config", file});
  const auto table = gg::app::format_origins(ok(from_file).origins);
  CHECK(table.find("hunter2") == std::string::npos);
  CHECK(table.find("postgresql://db/x?password=****") != std::string::npos);
  std::filesystem::remove(file);
}

TEST_CASE("an unknown option is a one-line error naming it, exit 2", "[unit][app]") {
  auto o = run({"serve", "--no-such-option"});
  CHECK(code(o) == 2);
  CHECK(o.err.find("--no-such-option") != std::string::npos);
  CHECK(o.err.find('\n') == std::string::npos);
}

TEST_CASE("an invalid value is a one-line error naming the option, exit 2", "[unit][app]") {
  for (auto args : std::vector<std::vector<std::string>>{
           {"serve", "--listen", "nohostport"},
           {"serve", "--threads", "lots"},
           {"serve", "--drain-timeout", "soon"},
           {"serve", "--ack", "maybe"},
           {"serve", "--log-level", "loud"},
           {"serve", "--cleanup-schedule", "61 * * * *"},
           {"serve", "--timezone", "Mars/Olympus"},
           {"serve", "--client-ip", "some"},
           {"serve", "--traffic", "yes"},
           {"serve", "--log-format", "xml"},
           {"simulate", "--progress", "sometimes"},
           {"serve", "--queue-capacity", "1"},
           {"serve", "--role", "ingest,db"},
       }) {
    auto o = run(args);
    INFO(args[1] << " -> " << o.err);
    CHECK(code(o) == 2);
    CHECK(o.err.find(args[1]) != std::string::npos);
  }
}

TEST_CASE("the timezone option accepts IANA zone names and rejects unknown ones by name",
          "[unit][app]") {
  auto o = run({"serve", "--timezone", "Europe/Berlin"});
  CHECK(ok(o).opts.timezone == "Europe/Berlin");
  auto lower = run({"serve", "--timezone", "america/new_york"});
  CHECK(ok(lower).opts.timezone == "America/New_York");  // stored in the database's spelling
  auto offset = run({"serve", "--timezone", "+0530"});
  CHECK(ok(offset).opts.timezone == "+05:30");
  auto bad = run({"serve", "--timezone", "Europe/Atlantis"});
  CHECK(code(bad) == 2);
  CHECK(bad.err.find("Europe/Atlantis") != std::string::npos);
  CHECK(bad.err.find("time zone database") != std::string::npos);
}

TEST_CASE("options with fixed values are parsed into their enums once, at start-up",
          "[unit][app]") {
  auto o = run({"serve", "--ack", "written", "--client-ip", "truncate", "--traffic", "off",
                "--log-format", "json"});
  const auto& p = ok(o);
  CHECK(p.opts.ack == gg::eventlog::ack_mode::written);
  CHECK(p.opts.client_ip == gg::ingest::ip_mode::truncate);
  CHECK_FALSE(p.opts.traffic);
  CHECK(p.opts.log_format == gg::log::format::json);
  CHECK(source_of(p, "ack") == "command line");
  auto d = run({"serve"});
  CHECK(ok(d).opts.ack == gg::eventlog::ack_mode::durable);
  CHECK(ok(d).opts.traffic);
  auto table = gg::app::format_origins(ok(d).origins);
  CHECK(table.find("durable") != std::string::npos);  // defaults print by name
  auto sim = run({"simulate", "--progress", "never"});
  CHECK(ok(sim).opts.progress == gg::traffic::progress_mode::never);
}

TEST_CASE("transform's action is parsed once into its verb, run by default", "[unit][app]") {
  using gg::app::transform_verb;
  CHECK(ok(run({"transform"})).opts.transform_action == transform_verb::run);
  const std::vector<std::pair<std::string, transform_verb>> verbs{
      {"run", transform_verb::run},
      {"build", transform_verb::build},
      {"test", transform_verb::test},
      {"compile", transform_verb::compile},
      {"ls", transform_verb::ls},
      {"graph", transform_verb::graph},
      {"freshness", transform_verb::freshness}};
  for (const auto& [text, verb] : verbs) {
    CAPTURE(text);
    CHECK(ok(run({"transform", text})).opts.transform_action == verb);
  }
  const auto bad = run({"transform", "deploy"});
  CHECK(code(bad) == 2);
  CHECK(bad.err.find("deploy") != std::string::npos);
}

TEST_CASE("option --role is parsed once into node roles, all by default", "[unit][app]") {
  CHECK(ok(run({"serve"})).opts.roles == gg::app::node_roles::all());
  const auto& p = ok(run({"serve", "--role", "ingest,web"}));
  CHECK(p.opts.roles.has(gg::app::node_role::ingest));
  CHECK(p.opts.roles.has(gg::app::node_role::web));
  CHECK_FALSE(p.opts.roles.has(gg::app::node_role::loader));
  auto e = run({"serve"}, {{"GADGETGROVE_ROLE", "loader"}});
  CHECK(ok(e).opts.roles.to_string() == "loader");
  CHECK(source_of(ok(e), "role") == "env GADGETGROVE_ROLE");
  auto bad = run({"serve", "--role", ""});
  CHECK(code(bad) == 2);
}

TEST_CASE("an invalid fixed value from the environment or a config file fails start-up",
          "[unit][app]") {
  auto e = run({"serve"}, {{"GADGETGROVE_ACK", "sometimes"}});
  CHECK(code(e) == 2);
  CHECK(e.err.find("GADGETGROVE_ACK") != std::string::npos);
  CHECK(e.err.find("durable, written, queued") != std::string::npos);
  auto file = write_config("traffic = \"maybe\"\n");
  auto c = run({"serve", "--config", file});
  CHECK(code(c) == 2);
  CHECK(c.err.find("--traffic") != std::string::npos);
  std::filesystem::remove(file);
}

TEST_CASE("an invalid environment value names the variable", "[unit][app]") {
  auto o = run({"serve"}, {{"GADGETGROVE_THREADS", "many"}});
  CHECK(code(o) == 2);
  CHECK(o.err.find("GADGETGROVE_THREADS") != std::string::npos);
}

TEST_CASE("an unknown key in the config file is an error, not ignored", "[unit][app]") {
  auto file = write_config("data-dri = \"/typo\"\n");
  auto o = run({"serve", "--config", file});
  CHECK(code(o) == 2);
  CHECK(o.err.find("data-dri") != std::string::npos);
  std::filesystem::remove(file);
}

TEST_CASE("a missing config file is an error", "[unit][app]") {
  auto o = run({"serve", "--config", "/nonexistent/gadgetgrove.toml"});
  CHECK(code(o) == 2);
  CHECK(o.err.find("/nonexistent/gadgetgrove.toml") != std::string::npos);
}

TEST_CASE("help exits 0 and describes the subcommand", "[unit][app]") {
  auto o = run({"serve", "--help"});
  CHECK(code(o) == 0);
  CHECK(o.out.find("--admin-listen") != std::string::npos);
}

TEST_CASE("no subcommand is an error", "[unit][app]") {
  auto o = run({});
  CHECK(code(o) == 2);
}

TEST_CASE("durations accept units and reject garbage", "[unit][app]") {
  using namespace std::chrono_literals;
  CHECK(gg::app::parse_duration("250ms") == 250ms);
  CHECK(gg::app::parse_duration("10s") == 10s);
  CHECK(gg::app::parse_duration("10") == 10s);
  CHECK(gg::app::parse_duration("15m") == 15min);
  CHECK(gg::app::parse_duration("1h") == 1h);
  CHECK(gg::app::parse_duration("2d") == 48h);
  CHECK_FALSE(gg::app::parse_duration(""));
  CHECK_FALSE(gg::app::parse_duration("s"));
  CHECK_FALSE(gg::app::parse_duration("10 s"));
  CHECK_FALSE(gg::app::parse_duration("-5s"));
  CHECK_FALSE(gg::app::parse_duration("5w"));
}

TEST_CASE("the example config file documents every option and parses cleanly", "[unit][app]") {
  const char* src = std::getenv("GG_SOURCE_DIR");
  REQUIRE(src != nullptr);
  std::string path = std::string(src) + "/config/gadgetgrove.toml";
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& name : gg::app::option_names()) {
    INFO(name);
    CHECK(text.find("\n" + name + " = ") != std::string::npos);
  }
  for (std::string cmd : {"serve", "init", "load", "simulate"}) {
    auto o = run({cmd, "--config", path});
    INFO(cmd << ": " << o.err);
    CHECK(std::holds_alternative<parsed_cli>(o.parsed));
  }
}

TEST_CASE("an admin listener beyond loopback without credentials is refused, exit 2",
          "[unit][app]") {
  auto o = run({"serve", "--admin-listen", "0.0.0.0:8050"});
  CHECK(code(o) == 2);
  CHECK(o.err.find("--admin-listen 0.0.0.0:8050") != std::string::npos);
  CHECK(o.err.find("--admin-token") != std::string::npos);
  CHECK(o.err.find('\n') == std::string::npos);
  CHECK(code(run({"serve", "--admin-listen", "[::]:8050"})) == 2);
  CHECK(code(run({"serve", "--admin-listen", "192.0.2.7:8050"})) == 2);
  for (const char* loopback : {"127.0.0.1:8050", "127.1.2.3:0", "[::1]:8050", "localhost:8050"}) {
    INFO(loopback);
    ok(run({"serve", "--admin-listen", loopback}));
  }
}

TEST_CASE("admin credentials come from options or the environment and are masked", "[unit][app]") {
  auto o = run({"serve", "--admin-listen", "0.0.0.0:8050", "--print-config"},
               {{"GADGETGROVE_ADMIN_TOKEN", "tok-secret"}});
  const auto& p = ok(o);
  CHECK(p.opts.admin_token == "tok-secret");
  CHECK(source_of(p, "admin-token") == "env GADGETGROVE_ADMIN_TOKEN");
  auto table = gg::app::format_origins(p.origins);
  CHECK(table.find("tok-secret") == std::string::npos);

  auto q = run({"serve", "--admin-listen", "0.0.0.0:8050", "--admin-password", "pw-secret"});
  CHECK(ok(q).opts.admin_password == "pw-secret");
  CHECK(gg::app::format_origins(ok(q).origins).find("pw-secret") == std::string::npos);
  ok(run({"serve", "--admin-listen", "0.0.0.0:8050"}, {{"GADGETGROVE_ADMIN_PASSWORD", "pw"}}));
}

TEST_CASE("serve counts synthetic shoppers in the models exactly when it plays them, and says so",
          "[unit][app]") {
  const auto value_of = [](const parsed_cli& p) {
    for (const auto& o : p.origins) {
      if (o.name == "include-synthetic") return o.value;
    }
    return std::string{"<missing>"};
  };
  const auto demo = run({"serve"});
  CHECK(ok(demo).opts.include_synthetic);
  CHECK(value_of(ok(demo)) == "on");
  CHECK(source_of(ok(demo), "include-synthetic") == "default (auto: --traffic on)");
  CHECK(gg::app::format_origins(ok(demo).origins).find("include-synthetic") != std::string::npos);

  const auto quiet = run({"serve", "--traffic", "off"});
  CHECK_FALSE(ok(quiet).opts.include_synthetic);
  CHECK(value_of(ok(quiet)) == "off");
  CHECK(source_of(ok(quiet), "include-synthetic") == "default (auto: --traffic off)");

  const auto excluded = run({"serve", "--include-synthetic", "off"});
  CHECK_FALSE(ok(excluded).opts.include_synthetic);
  CHECK(source_of(ok(excluded), "include-synthetic") == "command line");
  const auto included =
      run({"serve", "--traffic", "off"}, {{"GADGETGROVE_INCLUDE_SYNTHETIC", "on"}});
  CHECK(ok(included).opts.include_synthetic);

  // `run` plays no traffic: auto is off there.
  CHECK_FALSE(ok(run({"run", "transform"})).opts.include_synthetic);
  CHECK(ok(run({"run", "transform", "--include-synthetic", "on"})).opts.include_synthetic);
  CHECK(code(run({"serve", "--include-synthetic", "maybe"})) == 2);
}

TEST_CASE("option --node-id names the node of serve, load and run, the host name by default",
          "[unit][app]") {
  const std::string host = gg::default_node_id();
  for (const std::vector<std::string>& cmd :
       std::vector<std::vector<std::string>>{{"serve"}, {"load"}, {"run", "load"}}) {
    INFO(cmd[0]);
    const auto o = run(cmd);
    const auto& p = ok(o);
    CHECK(p.opts.node_id == host);
    CHECK(source_of(p, "node-id") == "default (the host name)");
    auto named = cmd;
    named.insert(named.end(), {"--node-id", "ingest-2.eu_west"});
    CHECK(ok(run(named)).opts.node_id == "ingest-2.eu_west");
  }
  const auto e = run({"serve"}, {{"GADGETGROVE_NODE_ID", "loader-7"}});
  CHECK(ok(e).opts.node_id == "loader-7");
  CHECK(source_of(ok(e), "node-id") == "env GADGETGROVE_NODE_ID");
  // Commands that never write under a node's name have no such option.
  CHECK(code(run({"transform", "--node-id", "x"})) == 2);
}

TEST_CASE("an invalid --node-id is a one-line start-up error, exit 2", "[unit][app]") {
  for (const std::string& bad :
       std::vector<std::string>{"a/b", "web:1", "two words", std::string(64, 'n')}) {
    auto o = run({"serve", "--node-id", bad});
    INFO(bad << " -> " << o.err);
    CHECK(code(o) == 2);
    CHECK(o.err.find("--node-id") != std::string::npos);
    CHECK(o.err.find('\n') == std::string::npos);
  }
  auto from_env = run({"load"}, {{"GADGETGROVE_NODE_ID", "a:b"}});
  CHECK(code(from_env) == 2);
  CHECK(from_env.err.find("GADGETGROVE_NODE_ID") != std::string::npos);
}

TEST_CASE("serve --help says what --node-id does", "[unit][app]") {
  auto o = run({"serve", "--help"});
  CHECK(code(o) == 0);
  CHECK(o.out.find("--node-id") != std::string::npos);
  CHECK(o.out.find("default: the host name") != std::string::npos);
}
