#include "run_row.hpp"

#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/flows/run_history.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace gg::flows {
namespace {

// Times as microseconds since the epoch, so reading them never depends on the session's zone.
std::string epoch_column(std::string_view col) {
  return fmt::format("(extract(epoch FROM {}) * 1000000)::bigint", col);
}

std::optional<double> read_double(const pg::query_result& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  auto v = r.get_double(row, col);
  if (!v) return std::nullopt;
  return *v;
}

std::int64_t int64_or(const pg::query_result& r, int row, int col, std::int64_t fallback) {
  auto v = r.get_int64(row, col);
  return v ? *v : fallback;
}

std::string text(const pg::query_result& r, int row, int col) {
  return std::string(r.get(row, col));
}

}  // namespace

gg::result<std::vector<run_record>> list_runs(pg::connection& c, const run_filter& filter) {
  if (filter.limit < 1 || filter.limit > 500) {
    return gg::fail(errc::invalid_input, "limit must be between 1 and 500");
  }
  std::optional<std::string> before;
  if (filter.before) {
    auto id = parse_uuid(*filter.before);
    if (!id) return gg::fail(errc::invalid_input, "before is not a run id");
    before = id->to_string();
  }
  std::optional<std::string> state;
  if (filter.state) state = std::string(to_string(*filter.state));
  const std::string limit = std::to_string(filter.limit);
  // Run ids are UUIDv7, so id order is creation order and paging by id is stable.
  const std::string sql = fmt::format(
      "SELECT {} FROM pipeline.flow_runs r "
      "WHERE ($1::text IS NULL OR r.flow = $1) AND ($2::text IS NULL OR r.state = $2) "
      "AND ($3::uuid IS NULL OR r.id < $3::uuid) ORDER BY r.id DESC LIMIT $4::int",
      detail::run_columns);
  auto r = c.exec(sql, filter.flow, state, before, limit);
  if (!r) return r.error().with_context("listing flow runs");
  std::vector<run_record> out;
  out.reserve(static_cast<std::size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) {
    auto rec = detail::read_run(*r, i);
    if (!rec) return rec.error();
    out.push_back(std::move(*rec));
  }
  return out;
}

gg::result<run_detail> get_run(pg::connection& c, std::string_view run_id) {
  auto id = parse_uuid(run_id);
  if (!id) return gg::fail(errc::not_found, fmt::format("no run {:?}", run_id));
  const std::string key = id->to_string();
  run_detail d;
  {
    auto r = c.exec(fmt::format("SELECT {} FROM pipeline.flow_runs r WHERE r.id = $1::uuid",
                                detail::run_columns),
                    key);
    if (!r) return r.error().with_context("reading a flow run");
    if (r->rows() == 0) return gg::fail(errc::not_found, fmt::format("no run {}", key));
    auto rec = detail::read_run(*r, 0);
    if (!rec) return rec.error();
    d.run = std::move(*rec);
  }
  {
    auto r = c.exec(fmt::format("SELECT task, position, attempt, state, {}, {}, duration_s, "
                                "coalesce(error, '') FROM pipeline.task_runs "
                                "WHERE flow_run = $1::uuid ORDER BY position, attempt",
                                epoch_column("started_at"), epoch_column("ended_at")),
                    key);
    if (!r) return r.error().with_context("reading a run's tasks");
    for (int i = 0; i < r->rows(); ++i) {
      task_run_record t;
      t.task = text(*r, i, 0);
      t.position = static_cast<int>(int64_or(*r, i, 1, 0));
      t.attempt = static_cast<unsigned>(int64_or(*r, i, 2, 1));
      t.state = text(*r, i, 3);
      t.started_at = detail::read_time(*r, i, 4).value_or(time_point{});
      t.ended_at = detail::read_time(*r, i, 5);
      t.duration_s = read_double(*r, i, 6);
      t.error = text(*r, i, 7);
      d.tasks.push_back(std::move(t));
    }
  }
  {
    auto r = c.exec(fmt::format("SELECT id, coalesce(task, ''), {}, level, message "
                                "FROM pipeline.run_logs WHERE flow_run = $1::uuid ORDER BY id",
                                epoch_column("logged_at")),
                    key);
    if (!r) return r.error().with_context("reading a run's log");
    for (int i = 0; i < r->rows(); ++i) {
      log_record l;
      l.id = int64_or(*r, i, 0, 0);
      l.task = text(*r, i, 1);
      l.logged_at = detail::read_time(*r, i, 2).value_or(time_point{});
      l.level = text(*r, i, 3);
      l.message = text(*r, i, 4);
      d.logs.push_back(std::move(l));
    }
  }
  {
    auto r = c.exec(fmt::format("SELECT id, coalesce(task, ''), kind, key, title, body, "
                                "coalesce(data::text, ''), {} FROM pipeline.artifacts "
                                "WHERE run_id = $1 ORDER BY id",
                                epoch_column("created_at")),
                    key);
    if (!r) return r.error().with_context("reading a run's artifacts");
    for (int i = 0; i < r->rows(); ++i) {
      artifact_record a;
      a.id = int64_or(*r, i, 0, 0);
      a.task = text(*r, i, 1);
      a.kind = text(*r, i, 2);
      a.key = text(*r, i, 3);
      a.title = text(*r, i, 4);
      a.body = text(*r, i, 5);
      a.data = text(*r, i, 6);
      a.created_at = detail::read_time(*r, i, 7).value_or(time_point{});
      d.artifacts.push_back(std::move(a));
    }
  }
  return d;
}

}  // namespace gg::flows
