#include "freshness.hpp"

#include <fmt/format.h>

#include <cmath>

namespace gg::transform {

result<double> freshness_seconds(std::int64_t count, std::string_view period) {
  if (period == "minute") return static_cast<double>(count) * 60;
  if (period == "hour") return static_cast<double>(count) * 3600;
  if (period == "day") return static_cast<double>(count) * 86400;
  return error{errc::config,
               fmt::format("freshness period '{}' is not one of minute, hour, day", period)};
}

result<freshness_outcome> check_freshness(statement_runner& stmt, const freshness_spec& spec) {
  std::string sql = fmt::format(
      "select extract(epoch from max({0}))::float8, extract(epoch from now() - max({0}))::float8 "
      "from {1}",
      spec.loaded_at_field, spec.relation.render());
  if (!spec.filter.empty()) sql += " where " + spec.filter;
  auto r = stmt.exec(sql);
  if (!r) {
    if (r.error().code == errc::cancelled) return r.error();
    return error{r.error().code, spec.unique_id + ": " + r.error().message};
  }
  freshness_outcome out;
  if (r->is_null(0, 0)) {
    out.status = node_status::error;
    out.message =
        fmt::format("no rows with {} in {}", spec.loaded_at_field, spec.relation.render());
    return out;
  }
  auto epoch = r->get_double(0, 0);
  auto age = r->get_double(0, 1);
  if (!epoch || !age) return error{errc::internal, "unexpected freshness result"};
  out.max_loaded_at =
      sys_us{std::chrono::microseconds{static_cast<std::int64_t>(std::llround(*epoch * 1e6))}};
  out.age_seconds = *age;
  if (spec.error_after_seconds && *age > *spec.error_after_seconds) {
    out.status = node_status::error;
    out.message = fmt::format("newest row is {:.0f} s old (error after {:.0f} s)", *age,
                              *spec.error_after_seconds);
  } else if (spec.warn_after_seconds && *age > *spec.warn_after_seconds) {
    out.status = node_status::warn;
    out.message = fmt::format("newest row is {:.0f} s old (warn after {:.0f} s)", *age,
                              *spec.warn_after_seconds);
  } else {
    out.message = fmt::format("newest row is {:.0f} s old", *age);
  }
  return out;
}

}  // namespace gg::transform
