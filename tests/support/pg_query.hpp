#pragma once
// One-value queries for tests: the first cell of a trusted SQL statement, failing the running
// test (with the statement and the error) when it fails.

#include <gadgetgrove/pg/connection.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

namespace gg::test {

/// The first cell as an integer; a failed statement, NULL or non-integer fails the test.
inline std::int64_t scalar(gg::pg::connection& conn, const std::string& sql) {
  auto r = conn.exec(sql);
  if (!r) FAIL(sql << ": " << r.error().message);
  auto v = r->get_int64(0, 0);
  if (!v) FAIL(sql << ": " << v.error().message);
  return *v;
}

/// The first cell as text (empty for NULL); a failed statement fails the test.
inline std::string text(gg::pg::connection& conn, const std::string& sql) {
  auto r = conn.exec(sql);
  if (!r) FAIL(sql << ": " << r.error().message);
  return std::string(r->get(0, 0));
}

}  // namespace gg::test
