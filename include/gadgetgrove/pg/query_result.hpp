#pragma once
// The rows of one completed statement.

#include <gadgetgrove/core/result.hpp>

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace gg::pg {

/// Owns a PGresult and reads its cells as text (PostgreSQL's text output format) or through the
/// typed getters. Views returned by get() stay valid as long as this object. Reading from
/// several threads at once is safe; moving it while another thread reads is not.
class query_result {
 public:
  query_result() = default;
  /// Takes ownership of `res` (may be null: an empty result).
  explicit query_result(PGresult* res) noexcept : res_(res) {}

  int rows() const noexcept;
  int cols() const noexcept;
  /// The cell as text; empty for NULL and for a row or column out of range.
  std::string_view get(int row, int col) const noexcept;
  /// True for SQL NULL and for a row or column out of range.
  bool is_null(int row, int col) const noexcept;
  /// std::nullopt for NULL.
  std::optional<std::string_view> get_optional(int row, int col) const noexcept;

  /// Typed getters: errc::invalid_input for NULL, out-of-range cells and unparsable text.
  result<std::int64_t> get_int64(int row, int col) const;
  result<double> get_double(int row, int col) const;
  result<bool> get_bool(int row, int col) const;

  /// Column index by name, or -1.
  int column(std::string_view name) const noexcept;
  std::string_view column_name(int col) const noexcept;
  /// Rows affected by INSERT/UPDATE/DELETE/COPY/..., 0 when the command reports none.
  std::uint64_t affected_rows() const noexcept;

  PGresult* native() const noexcept { return res_.get(); }

 private:
  struct deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
  };
  std::unique_ptr<PGresult, deleter> res_;
};

}  // namespace gg::pg
