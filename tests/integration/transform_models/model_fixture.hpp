#pragma once
// Helpers for the tests of the shipped analytics project (sql/transform): loading raw events
// into raw_data.* with bound parameters, running the project through the runner's public API,
// and reading tables as text rows that hand-written expectations compare against.

#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/transform/run_options.hpp>
#include <gadgetgrove/transform/run_summary.hpp>

#include <pg_fixture.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gg::test::models {

/// One raw event row; empty optionals are SQL NULL. `table` is one of the five raw tables.
struct raw_event {
  std::string table;
  std::string event_id;
  std::optional<std::string> type;
  std::optional<std::string> event;
  std::string timestamp;  // ISO 8601; also used as server_timestamp
  std::optional<std::string> session_id;
  std::optional<std::string> user_id;
  std::optional<std::string> path;
  std::string properties;  // JSON text
  bool is_bot = false;
};

/// The shipped project's directory (<source>/sql/transform).
std::filesystem::path project_dir();

/// Reads a fixture file of tab-separated raw events (columns as raw_event, '#' comments; an
/// empty field is NULL). Fails the running test when the file is missing or malformed.
std::vector<raw_event> read_events(const std::filesystem::path& file);

/// Inserts `events` in one transaction, as one load: every row gets that transaction's
/// loaded_at, or `loaded_at_sql` (an SQL expression such as "now() - interval '5 minutes'")
/// when given. A row whose event_id is already in its table is skipped (as the loader rejects
/// it). Returns the rows inserted. Fails the running test on a database error.
std::size_t load(gg::pg::connection& conn, const std::vector<raw_event>& events,
                 const std::string& loaded_at_sql = "now()");

/// Inserts `events` as load() does, in the transaction open on `conn`, which the caller
/// commits: a load still running while other loads commit and the models run.
std::size_t insert_events(gg::pg::connection& conn, const std::vector<raw_event>& events,
                          const std::string& loaded_at_sql = "now()");

/// The shop's product dimension rows the fixture's products refer to.
void load_products(gg::pg::connection& conn);

/// Runs `command` on the shipped project against `db`. Fails the running test when the run
/// does not start; the summary says how each node ended.
gg::transform::run_summary run_project(const gg::test::pg_database& db,
                                       gg::transform::run_command command, bool full_refresh,
                                       const std::string& vars = {});

/// Runs the models and fails the running test unless every model succeeded.
void run_models(const gg::test::pg_database& db, bool full_refresh = false,
                const std::string& vars = {});

/// Every row of `sql` as "a|b|c" (PostgreSQL's text output, NULL as "∅").
std::vector<std::string> rows(gg::pg::connection& conn, const std::string& sql);

/// The one value of `sql` as text.
std::string scalar(gg::pg::connection& conn, const std::string& sql);

/// The relations (schema.name) the shipped models build, in DAG order.
const std::vector<std::string>& model_relations();

}  // namespace gg::test::models
