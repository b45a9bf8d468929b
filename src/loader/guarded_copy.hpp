#pragma once
// COPY of a set of rows where a row PostgreSQL refuses is set aside instead of failing the set.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gg::loader::detail {

/// Binary COPY rows (no header or trailer), one after another.
struct encoded_rows {
  std::string data;
  std::vector<std::size_t> ends;  // end offset of each row in `data`

  std::size_t size() const noexcept { return ends.size(); }
  std::string_view row(std::size_t i) const noexcept {
    const std::size_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view{data}.substr(begin, ends[i] - begin);
  }
  void clear() noexcept {
    data.clear();
    ends.clear();
  }
};

/// A row PostgreSQL refused: its index in the set and the SQLSTATE.
struct refused_row {
  std::size_t index = 0;
  std::string sqlstate;
};

/// Copies `rows` with `copy_sql` (a COPY ... FROM STDIN (FORMAT binary)) inside the caller's
/// transaction: all at once under a savepoint, and when that fails on a row error, one row per
/// savepoint. A row is refused when pg::is_data_error says so. Returns the rows refused; any other
/// failure is returned as the error (the caller's transaction is then unusable).
result<std::vector<refused_row>> guarded_copy(pg::connection& conn, std::string_view copy_sql,
                                              const encoded_rows& rows);

/// Sends header + `body` + trailer as one COPY; the number of rows copied.
result<std::uint64_t> copy_binary(pg::connection& conn, std::string_view copy_sql,
                                  std::string_view body);

}  // namespace gg::loader::detail
