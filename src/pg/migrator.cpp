#include <gadgetgrove/pg/migrator.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/pg/transaction.hpp>

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>

namespace gg::pg {

namespace fs = std::filesystem;

namespace {

constexpr logger log{"pg"};

// Key of the advisory lock that serialises migrators ("ggmigrat").
constexpr std::int64_t lock_key = 0x6767'6d69'6772'6174;

constexpr std::string_view bootstrap_sql = R"sql(
CREATE SCHEMA IF NOT EXISTS pipeline;
CREATE TABLE IF NOT EXISTS pipeline.schema_migrations (
  version    int PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
)sql";

std::string checksum_of(std::string_view text) {
  const XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error{errc::io, "cannot read migration " + path.string()};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return error{errc::io, "cannot read migration " + path.string()};
  return text;
}

// NNNN_name.sql: at least one digit, an underscore, a name of [A-Za-z0-9_-].
bool parse_name(const std::string& file, int& version, std::string& name) {
  if (!file.ends_with(".sql")) return false;
  const std::string stem = file.substr(0, file.size() - 4);
  const std::size_t underscore = stem.find('_');
  if (underscore == 0 || underscore == std::string::npos || underscore > 9 ||
      underscore + 1 == stem.size()) {
    return false;
  }
  version = 0;
  for (std::size_t i = 0; i < underscore; ++i) {
    if (stem[i] < '0' || stem[i] > '9') return false;
    version = version * 10 + (stem[i] - '0');
  }
  name = stem.substr(underscore + 1);
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

status lock(connection& conn) {
  auto r = conn.exec("SELECT pg_advisory_xact_lock($1)", lock_key);
  if (!r) return r.error();
  return {};
}

}  // namespace

result<std::vector<migration_file>> list_migrations(const fs::path& dir) {
  std::error_code ec;
  std::map<int, migration_file> found;
  fs::directory_iterator it(dir, ec);
  if (ec)
    return error{errc::config, "cannot list migrations in " + dir.string() + ": " + ec.message()};
  for (const auto& entry : it) {
    const std::string file = entry.path().filename().string();
    if (!file.ends_with(".sql") || !entry.is_regular_file(ec)) continue;
    migration_file m;
    if (!parse_name(file, m.version, m.name)) {
      return error{errc::config,
                   "migration file " + entry.path().string() + " is not named NNNN_name.sql"};
    }
    m.path = entry.path();
    if (const auto other = found.find(m.version); other != found.end()) {
      return error{errc::config, "migrations " + other->second.path.string() + " and " +
                                     m.path.string() + " have the same version"};
    }
    found.emplace(m.version, std::move(m));
  }
  std::vector<migration_file> out;
  out.reserve(found.size());
  for (auto& [version, m] : found) out.push_back(std::move(m));
  return out;
}

result<migration_report> migrate(connection& conn, const fs::path& dir) {
  auto files = list_migrations(dir);
  if (!files) return files.error();
  {
    auto tx = transaction::begin(conn);
    if (!tx) return tx.error();
    if (auto s = lock(conn); !s) return s.error();
    if (auto s = conn.exec_script(bootstrap_sql); !s) {
      return s.error().with_context("create pipeline.schema_migrations");
    }
    if (auto s = tx->commit(); !s) return s.error();
  }
  migration_report report;
  for (const auto& m : *files) {
    auto text = read_file(m.path);
    if (!text) return text.error();
    const std::string sum = checksum_of(*text);
    const std::string label = m.path.filename().string();
    auto tx = transaction::begin(conn);
    if (!tx) return tx.error();
    if (auto s = lock(conn); !s) return s.error();
    auto applied =
        conn.exec("SELECT checksum FROM pipeline.schema_migrations WHERE version = $1", m.version);
    if (!applied) return applied.error();
    if (applied->rows() > 0) {
      if (applied->get(0, 0) != sum) {
        std::string warning = "migration " + label +
                              " changed after it was applied; the change is not applied "
                              "(write a new migration instead)";
        log.warn(warning, {{"file", m.path.string()}});
        report.warnings.push_back(std::move(warning));
      }
      report.skipped.push_back(m.version);
      if (auto s = tx->commit(); !s) return s.error();
      continue;
    }
    const auto started = std::chrono::steady_clock::now();
    if (auto s = conn.exec_script(*text); !s) {
      return s.error().with_context("migration " + m.path.string() + " failed");
    }
    auto row = conn.exec(
        "INSERT INTO pipeline.schema_migrations (version, name, checksum, applied_at) "
        "VALUES ($1, $2, $3, now())",
        m.version, m.name, sum);
    if (!row) return row.error();
    if (auto s = tx->commit(); !s) {
      return s.error().with_context("migration " + m.path.string() + " failed");
    }
    log.info("applied migration", {{"file", label},
                                   {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - started)
                                              .count()}});
    report.applied.push_back(m);
  }
  return report;
}

}  // namespace gg::pg
