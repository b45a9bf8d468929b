#pragma once
// Helpers shared by the transform integration tests.

#include "model_spec.hpp"
#include "statement_runner.hpp"

#include <gadgetgrove/pg/connection.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace gg::transform::test {

inline std::int64_t scalar(pg::connection& conn, const std::string& sql) {
  auto r = conn.exec(sql);
  if (!r) FAIL(sql << ": " << r.error().message);
  auto v = r->get_int64(0, 0);
  if (!v) FAIL(sql << ": " << v.error().message);
  return *v;
}

inline std::string text(pg::connection& conn, const std::string& sql) {
  auto r = conn.exec(sql);
  if (!r) FAIL(sql << ": " << r.error().message);
  return std::string(r->get(0, 0));
}

inline void exec(pg::connection& conn, const std::string& sql) {
  auto st = conn.exec_script(sql);
  if (!st) FAIL(sql << ": " << st.error().message);
}

/// A compile function that always returns `sql` (no hooks).
inline compile_fn fixed_sql(std::string sql) {
  return [sql = std::move(sql)](const compile_request&) -> result<compiled_sql> {
    return compiled_sql{sql, {}, {}};
  };
}

inline model_spec model(std::string name, std::string materialized) {
  model_spec s;
  s.unique_id = "model.test." + name;
  s.path = "models/" + name + ".sql";
  s.relation = relation_name{"", "analytics", std::move(name)};
  s.materialized = std::move(materialized);
  return s;
}

}  // namespace gg::transform::test
