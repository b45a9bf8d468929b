#include "load_watermark.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace gg::transform {

namespace {

error named(const model_spec& spec, const error& e) {
  if (e.code == errc::cancelled) return e;
  return error{e.code, fmt::format("{}: load stamp watermark: {}", spec.path, e.message)};
}

result<std::optional<std::int64_t>> watermark_of(statement_runner& stmt, const relation_name& rel) {
  auto r = stmt.exec("select load_xid from pipeline.transform_watermarks where relation = $1",
                     rel.render());
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<std::int64_t>{};
  auto v = r->get_int64(0, 0);
  if (!v) return v.error();
  return std::optional<std::int64_t>{*v};
}

}  // namespace

result<std::optional<std::int64_t>> recorded_watermark(statement_runner& stmt,
                                                       const model_spec& spec) {
  auto w = watermark_of(stmt, spec.relation);
  if (!w) return named(spec, w.error());
  return w;
}

result<std::int64_t> reachable_watermark(statement_runner& stmt, const model_spec& spec) {
  // xid8 as bigint: epoch-extended, so it never wraps around.
  auto r = stmt.exec("select pg_snapshot_xmin(pg_current_snapshot())::text::bigint");
  if (!r) return named(spec, r.error());
  auto now = r->get_int64(0, 0);
  if (!now) return named(spec, now.error());
  std::int64_t reach = *now;
  for (const auto& in : spec.stamped_inputs) {
    if (!in.is_model) continue;
    auto w = watermark_of(stmt, in.relation);
    if (!w) return named(spec, w.error());
    reach = std::min(reach, w->value_or(0));
  }
  return reach;
}

result<bool> inputs_changed_since(statement_runner& stmt, const model_spec& spec,
                                  std::int64_t from) {
  for (const auto& in : spec.stamped_inputs) {
    auto r = stmt.exec(fmt::format("select exists (select 1 from {} where {} >= $1::bigint)",
                                   in.relation.render(), quote_identifier(in.column)),
                       std::to_string(from));
    if (!r) return named(spec, r.error());
    auto found = r->get_bool(0, 0);
    if (!found) return named(spec, found.error());
    if (*found) return true;
  }
  return false;
}

status record_watermark(statement_runner& stmt, const model_spec& spec, std::int64_t watermark) {
  auto r = stmt.exec(
      "insert into pipeline.transform_watermarks (relation, load_xid) values ($1, $2::bigint) "
      "on conflict (relation) do update set load_xid = excluded.load_xid, updated_at = now()",
      spec.relation.render(), std::to_string(watermark));
  if (!r) return named(spec, r.error());
  return {};
}

}  // namespace gg::transform
