#include <gadgetgrove/pg/query_result.hpp>

#include <charconv>
#include <cstdlib>
#include <string>

namespace gg::pg {

namespace {

error bad_cell(int row, int col, std::string_view why) {
  return error{errc::invalid_input, "cell (" + std::to_string(row) + ", " + std::to_string(col) +
                                        "): " + std::string(why)};
}

}  // namespace

int query_result::rows() const noexcept { return res_ ? PQntuples(res_.get()) : 0; }

int query_result::cols() const noexcept { return res_ ? PQnfields(res_.get()) : 0; }

std::string_view query_result::get(int row, int col) const noexcept {
  if (row < 0 || col < 0 || row >= rows() || col >= cols()) return {};
  return std::string_view(PQgetvalue(res_.get(), row, col),
                          static_cast<std::size_t>(PQgetlength(res_.get(), row, col)));
}

bool query_result::is_null(int row, int col) const noexcept {
  if (row < 0 || col < 0 || row >= rows() || col >= cols()) return true;
  return PQgetisnull(res_.get(), row, col) != 0;
}

std::optional<std::string_view> query_result::get_optional(int row, int col) const noexcept {
  if (is_null(row, col)) return std::nullopt;
  return get(row, col);
}

result<std::int64_t> query_result::get_int64(int row, int col) const {
  if (is_null(row, col)) return bad_cell(row, col, "NULL or out of range");
  const std::string_view text = get(row, col);
  std::int64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size()) {
    return bad_cell(row, col, "not a 64-bit integer: '" + std::string(text) + "'");
  }
  return v;
}

result<double> query_result::get_double(int row, int col) const {
  if (is_null(row, col)) return bad_cell(row, col, "NULL or out of range");
  const std::string_view text = get(row, col);
  double v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size()) {
    return bad_cell(row, col, "not a number: '" + std::string(text) + "'");
  }
  return v;
}

result<bool> query_result::get_bool(int row, int col) const {
  if (is_null(row, col)) return bad_cell(row, col, "NULL or out of range");
  const std::string_view text = get(row, col);
  if (text == "t" || text == "true") return true;
  if (text == "f" || text == "false") return false;
  return bad_cell(row, col, "not a boolean: '" + std::string(text) + "'");
}

int query_result::column(std::string_view name) const noexcept {
  for (int c = 0; c < cols(); ++c) {
    if (name == PQfname(res_.get(), c)) return c;
  }
  return -1;
}

std::string_view query_result::column_name(int col) const noexcept {
  if (col < 0 || col >= cols()) return {};
  return PQfname(res_.get(), col);
}

std::uint64_t query_result::affected_rows() const noexcept {
  if (!res_) return 0;
  const std::string_view text = PQcmdTuples(res_.get());
  std::uint64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

}  // namespace gg::pg
