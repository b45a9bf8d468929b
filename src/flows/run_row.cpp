#include "run_row.hpp"

#include <gadgetgrove/core/time.hpp>

#include <fmt/format.h>
#include <simdjson.h>
#include <boost/json.hpp>

namespace gg::flows::detail {

std::string time_param(time_point t) {
  return format_iso8601_us(std::chrono::floor<std::chrono::microseconds>(t));
}

std::optional<time_point> read_time(const pg::query_result& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  auto us = r.get_int64(row, col);
  if (!us) return std::nullopt;
  return time_point(
      std::chrono::duration_cast<time_point::duration>(std::chrono::microseconds(*us)));
}

std::string params_json(const parameters& p) {
  boost::json::object o;
  for (const auto& [key, value] : p) o[key] = value;
  return boost::json::serialize(o);
}

gg::result<parameters> parse_params(std::string_view json) {
  parameters out;
  if (json.empty()) return out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(json.data(), json.size()).get(doc)) {
    return gg::fail(errc::invalid_input,
                    fmt::format("run parameters are not JSON: {}", simdjson::error_message(err)));
  }
  simdjson::dom::object obj;
  if (doc.get(obj)) return gg::fail(errc::invalid_input, "run parameters are not a JSON object");
  for (auto field : obj) {
    std::string_view s;
    if (!field.value.get(s)) {
      out.emplace(std::string(field.key), std::string(s));
    } else {
      out.emplace(std::string(field.key), simdjson::minify(field.value));
    }
  }
  return out;
}

gg::result<run_record> read_run(const pg::query_result& r, int row, int c) {
  run_record rec;
  rec.id = std::string(r.get(row, c + 0));
  rec.flow = std::string(r.get(row, c + 1));
  const auto trigger = parse_trigger_kind(r.get(row, c + 2));
  if (!trigger) {
    return gg::fail(errc::invalid_input,
                    fmt::format("run {} has an unknown trigger \"{}\"", rec.id, r.get(row, c + 2)));
  }
  rec.trigger = *trigger;
  const auto state = parse_run_state(r.get(row, c + 3));
  if (!state) {
    return gg::fail(errc::invalid_input,
                    fmt::format("run {} has an unknown state \"{}\"", rec.id, r.get(row, c + 3)));
  }
  rec.state = *state;
  if (auto attempt = r.get_int64(row, c + 4); attempt && *attempt >= 1) {
    rec.attempt = static_cast<unsigned>(*attempt);
  }
  rec.parent_run = std::string(r.get(row, c + 5));
  rec.scheduled_for = read_time(r, row, c + 6);
  rec.created_at = read_time(r, row, c + 7).value_or(time_point{});
  rec.started_at = read_time(r, row, c + 8);
  rec.ended_at = read_time(r, row, c + 9);
  if (!r.is_null(row, c + 10)) {
    if (auto d = r.get_double(row, c + 10)) rec.duration_s = *d;
  }
  rec.error = std::string(r.get(row, c + 11));
  auto params = parse_params(r.get(row, c + 12));
  if (!params) return params.error().with_context(fmt::format("run {}", rec.id));
  rec.params = std::move(*params);
  rec.node = std::string(r.get(row, c + 13));
  return rec;
}

}  // namespace gg::flows::detail
