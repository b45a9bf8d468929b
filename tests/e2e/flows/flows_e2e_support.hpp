#pragma once
// Shared pieces of the flows end-to-end tests: a serve on a test database with the shipped
// transformation project, events posted the way a browser posts them, projects with a slow or
// a failing model, and the gadgetgrove CLI run against the same data directory.

#include "child_process.hpp"
#include "pg_fixture.hpp"
#include "serve_process.hpp"
#include "temp_dir.hpp"

#include <gadgetgrove/pg/connection.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace gg::test::flows_e2e {

/// The repository (env GG_SOURCE_DIR, set by CTest); a missing variable fails the test.
std::filesystem::path source_dir();
/// sql/transform of the repository: the project serve ships.
std::filesystem::path shipped_project();

/// A copy of the shipped project under `dir`/name plus one model `extra_name` with SQL `extra`
/// (for a slow model: pg_sleep; for a failing one: a missing column).
std::filesystem::path project_with_model(const std::filesystem::path& dir, const std::string& name,
                                         const std::string& extra_name, const std::string& extra);

/// The serve arguments every flows test uses: the test database, no synthetic traffic.
std::vector<std::string> serve_args(const pg_database& db, std::vector<std::string> extra = {});

/// Posts one page_view for `session` to the public listener's /api/analytics as a desktop
/// browser does; returns the HTTP status.
unsigned post_page_view(unsigned short public_port, const std::string& session);
/// Posts one custom_event (queue ecommerce_events) for `session`; returns the HTTP status.
unsigned post_ecommerce_event(unsigned short public_port, const std::string& session);

/// Runs `gadgetgrove <args>` to its end (logs in `log_dir`) and records its output with
/// UNSCOPED_INFO, so a failing check shows it.
run_result cli(const std::vector<std::string>& args, const std::filesystem::path& log_dir,
               std::chrono::milliseconds timeout = std::chrono::seconds(120),
               const std::map<std::string, std::string>& env = {});

/// The first cell of `sql` as text; an error fails the test.
std::string cell(pg::connection& conn, const std::string& sql);
/// The first cell of `sql` as an integer; an error or NULL fails the test.
std::int64_t count(pg::connection& conn, const std::string& sql);

/// Waits (up to `timeout`) until `flow` has no running, pending or scheduled run.
bool wait_flow_idle(pg::connection& conn, const std::string& flow,
                    std::chrono::milliseconds timeout);

}  // namespace gg::test::flows_e2e
