#include "guarded_copy.hpp"

#include <gadgetgrove/loader/copy_encoder.hpp>

namespace gg::loader::detail {

std::string_view sqlstate_of(const gg::error& e) noexcept {
  constexpr std::string_view marker = "(SQLSTATE ";
  const std::string_view m = e.message;
  const std::size_t at = m.rfind(marker);
  if (at == std::string_view::npos || at + marker.size() + 5 > m.size()) return {};
  return m.substr(at + marker.size(), 5);
}

bool is_row_error(const gg::error& e) noexcept {
  if (e.code != errc::database) return false;
  const std::string_view state = sqlstate_of(e);
  return state.starts_with("22") || state.starts_with("23") || state.starts_with("54");
}

result<std::uint64_t> copy_binary(pg::connection& conn, std::string_view copy_sql,
                                  std::string_view body) {
  std::string framing;
  copy_encoder enc(framing);
  enc.header();
  auto writer = conn.copy_in(copy_sql);
  if (!writer) return writer.error();
  if (auto st = writer->put(framing); !st) return st.error();
  if (auto st = writer->put(body); !st) return st.error();
  framing.clear();
  enc.trailer();
  if (auto st = writer->put(framing); !st) return st.error();
  return writer->finish();
}

result<std::vector<refused_row>> guarded_copy(pg::connection& conn, std::string_view copy_sql,
                                              const encoded_rows& rows) {
  std::vector<refused_row> refused;
  if (rows.size() == 0) return refused;
  if (auto r = conn.exec("SAVEPOINT gg_rows"); !r) return r.error();
  auto all = copy_binary(conn, copy_sql, rows.data);
  if (all) {
    if (auto r = conn.exec("RELEASE SAVEPOINT gg_rows"); !r) return r.error();
    return refused;
  }
  if (!is_row_error(all.error())) return all.error();
  if (auto r = conn.exec("ROLLBACK TO SAVEPOINT gg_rows"); !r) return r.error();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (auto r = conn.exec("SAVEPOINT gg_row"); !r) return r.error();
    auto one = copy_binary(conn, copy_sql, rows.row(i));
    if (one) {
      if (auto r = conn.exec("RELEASE SAVEPOINT gg_row"); !r) return r.error();
      continue;
    }
    if (!is_row_error(one.error())) return one.error();
    if (auto r = conn.exec("ROLLBACK TO SAVEPOINT gg_row"); !r) return r.error();
    refused.push_back(refused_row{i, std::string{sqlstate_of(one.error())}});
  }
  if (auto r = conn.exec("RELEASE SAVEPOINT gg_rows"); !r) return r.error();
  return refused;
}

}  // namespace gg::loader::detail
