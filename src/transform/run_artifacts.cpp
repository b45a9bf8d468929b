#include "run_artifacts.hpp"

#include <gadgetgrove/core/json_text.hpp>
#include <gadgetgrove/pg/transaction.hpp>

#include <fmt/format.h>
#include <boost/json.hpp>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <system_error>

namespace gg::transform {

namespace json = boost::json;

namespace {

double seconds(std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1e6; }

json::object metadata(const run_summary& s, std::string_view schema) {
  json::object m;
  m["dbt_schema_version"] = fmt::format("https://schemas.getdbt.com/dbt/{}.json", schema);
  m["dbt_version"] = "1.9.0 (gadgetgrove)";
  m["generated_at"] = format_iso8601_us(now_us());
  m["invocation_id"] = s.run_id.to_string();
  m["env"] = json::object{};
  return m;
}

json::value optional_count(const std::optional<std::uint64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::array timing(const node_result& r) {
  json::array t;
  if (r.status == node_status::skipped) return t;
  json::object execute;
  execute["name"] = "execute";
  execute["started_at"] = format_iso8601_us(r.started);
  execute["completed_at"] = format_iso8601_us(r.started + r.duration);
  t.push_back(std::move(execute));
  return t;
}

std::string shown_message(const node_result& r) {
  return r.message.empty() ? r.adapter_message : r.message;
}

}  // namespace

std::string run_results_json(const run_summary& s, const run_options& o) {
  json::object doc;
  doc["metadata"] = metadata(s, "run-results/v6");
  json::array results;
  for (const auto& r : s.results) {
    json::object n;
    n["unique_id"] = r.unique_id;
    n["status"] = std::string(to_string(r.status));
    n["timing"] = timing(r);
    n["thread_id"] = r.thread_id;
    n["execution_time"] = seconds(r.duration);
    json::object adapter;
    if (!r.adapter_message.empty()) {
      adapter["_message"] = r.adapter_message;
      adapter["code"] = r.adapter_message.substr(0, r.adapter_message.find(' '));
    }
    if (r.rows_affected) adapter["rows_affected"] = *r.rows_affected;
    n["adapter_response"] = std::move(adapter);
    n["message"] = shown_message(r);
    n["failures"] = optional_count(r.failures);
    n["relation_name"] = r.relation.empty() ? json::value(nullptr) : json::value(r.relation);
    results.push_back(std::move(n));
  }
  doc["results"] = std::move(results);
  doc["elapsed_time"] = seconds(s.elapsed);
  json::object args;
  args["which"] = std::string(to_string(o.command));
  json::array select, exclude;
  for (const auto& v : o.select) select.push_back(json::value(v));
  for (const auto& v : o.exclude) exclude.push_back(json::value(v));
  args["select"] = std::move(select);
  args["exclude"] = std::move(exclude);
  args["threads"] = o.threads;
  args["full_refresh"] = o.full_refresh;
  args["fail_fast"] = o.fail_fast;
  args["vars"] = o.vars;
  args["target_schema"] = o.target_schema;
  args["project_dir"] = o.project_dir.string();
  if (o.event_time_start) args["event_time_start"] = format_iso8601_us(*o.event_time_start);
  if (o.event_time_end) args["event_time_end"] = format_iso8601_us(*o.event_time_end);
  args["trigger"] = o.trigger;
  doc["args"] = std::move(args);
  return json_text(doc);
}

std::string sources_json(const run_summary& s) {
  json::object doc;
  doc["metadata"] = metadata(s, "sources/v3");
  json::array results;
  for (const auto& r : s.results) {
    if (r.resource_type != "source") continue;
    json::object n;
    n["unique_id"] = r.unique_id;
    n["status"] =
        r.status == node_status::success ? std::string("pass") : std::string(to_string(r.status));
    n["max_loaded_at"] =
        r.max_loaded_at ? json::value(format_iso8601_us(*r.max_loaded_at)) : json::value(nullptr);
    n["snapshotted_at"] = format_iso8601_us(r.started);
    n["max_loaded_at_time_ago_in_s"] =
        r.age_seconds ? json::value(*r.age_seconds) : json::value(nullptr);
    n["execution_time"] = seconds(r.duration);
    n["thread_id"] = r.thread_id;
    n["timing"] = timing(r);
    n["adapter_response"] = json::object{};
    n["message"] = r.message;
    results.push_back(std::move(n));
  }
  doc["results"] = std::move(results);
  doc["elapsed_time"] = seconds(s.elapsed);
  return json_text(doc);
}

status write_artifact(const std::filesystem::path& dir, const std::string& name,
                      const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return error{errc::io, fmt::format("create {}: {}", dir.string(), ec.message())};
  const auto final_path = dir / name;
  const auto tmp_path = dir / (name + ".tmp");
  {
    std::ofstream out(tmp_path, std::ios::binary | std::ios::trunc);
    out << text << '\n';
    out.flush();
    if (!out) return error{errc::io, "write " + tmp_path.string() + " failed"};
  }
  std::filesystem::rename(tmp_path, final_path, ec);
  if (ec)
    return error{errc::io, fmt::format("rename to {}: {}", final_path.string(), ec.message())};
  return {};
}

status store_run(pg::connection& conn, const run_summary& s, const run_options& o,
                 const std::string& project_name) {
  auto tx = pg::transaction::begin(conn);
  if (!tx) return tx.error();
  const std::string run_id = s.run_id.to_string();
  const std::string command(to_string(o.command));
  const std::string started = format_iso8601_us(s.started);
  const std::size_t errors = s.count(node_status::error) + s.count(node_status::fail);
  const std::string run_status = s.cancelled ? "cancelled" : (errors > 0 ? "error" : "success");
  json::object args;
  args["select"] = json::value_from(o.select);
  args["exclude"] = json::value_from(o.exclude);
  args["threads"] = o.threads;
  args["full_refresh"] = o.full_refresh;
  args["fail_fast"] = o.fail_fast;
  // serve always passes include_synthetic: the history says whether simulated shoppers counted.
  if (!o.vars.empty()) args["vars"] = o.vars;
  const std::string args_text = json::serialize(args);
  auto r = conn.exec(
      "insert into pipeline.transform_runs (run_id, command, trigger, project, started_at, "
      "elapsed_s, status, nodes, errors, args) values ($1::uuid, $2, $3, $4, $5::timestamptz, "
      "$6, $7, $8, $9, $10::jsonb)",
      run_id, command, o.trigger, project_name, started, seconds(s.elapsed), run_status,
      static_cast<std::int64_t>(s.results.size()), static_cast<std::int64_t>(errors), args_text);
  if (!r) return r.error();
  for (const auto& n : s.results) {
    const std::string node_started = format_iso8601_us(n.started);
    const std::string status(to_string(n.status));
    std::optional<std::int64_t> rows;
    if (n.rows_affected) rows = static_cast<std::int64_t>(*n.rows_affected);
    auto m = conn.exec(
        "insert into pipeline.model_runs (run_id, command, node, resource_type, materialization, "
        "relation, status, started_at, duration_s, rows, adapter_message, message, thread_id) "
        "values ($1::uuid, $2, $3, $4, nullif($5, ''), nullif($6, ''), $7, $8::timestamptz, $9, "
        "$10, nullif($11, ''), nullif($12, ''), nullif($13, ''))",
        run_id, command, n.unique_id, n.resource_type, n.materialization, n.relation, status,
        node_started, seconds(n.duration), rows, n.adapter_message, n.message, n.thread_id);
    if (!m) return m.error();
    if (n.resource_type == "test") {
      std::optional<std::int64_t> failures;
      if (n.failures) failures = static_cast<std::int64_t>(*n.failures);
      auto t = conn.exec(
          "insert into pipeline.test_results (run_id, test, model, column_name, status, failures, "
          "message, checked_at) values ($1::uuid, $2, nullif($3, ''), nullif($4, ''), $5, $6, "
          "nullif($7, ''), $8::timestamptz)",
          run_id, n.unique_id, n.tested_node, n.tested_column, status, failures, n.message,
          node_started);
      if (!t) return t.error();
    } else if (n.resource_type == "source") {
      std::optional<std::string> max_loaded;
      if (n.max_loaded_at) max_loaded = format_iso8601_us(*n.max_loaded_at);
      auto f = conn.exec(
          "insert into pipeline.source_freshness (run_id, source, status, max_loaded_at, age_s, "
          "message, checked_at) values ($1::uuid, $2, $3, $4::timestamptz, $5, nullif($6, ''), "
          "$7::timestamptz)",
          run_id, n.unique_id, status == "success" ? std::string("pass") : status, max_loaded,
          n.age_seconds, n.message, node_started);
      if (!f) return f.error();
    }
  }
  return tx->commit();
}

}  // namespace gg::transform
