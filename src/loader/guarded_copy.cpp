#include "guarded_copy.hpp"

#include <gadgetgrove/pg/sqlstate.hpp>
#include "copy_encoder.hpp"

namespace gg::loader::detail {

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
  if (!pg::is_data_error(all.error())) return all.error();
  if (auto r = conn.exec("ROLLBACK TO SAVEPOINT gg_rows"); !r) return r.error();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (auto r = conn.exec("SAVEPOINT gg_row"); !r) return r.error();
    auto one = copy_binary(conn, copy_sql, rows.row(i));
    if (one) {
      if (auto r = conn.exec("RELEASE SAVEPOINT gg_row"); !r) return r.error();
      continue;
    }
    if (!pg::is_data_error(one.error())) return one.error();
    if (auto r = conn.exec("ROLLBACK TO SAVEPOINT gg_row"); !r) return r.error();
    refused.push_back(refused_row{i, one.error().sqlstate});
  }
  if (auto r = conn.exec("RELEASE SAVEPOINT gg_rows"); !r) return r.error();
  return refused;
}

}  // namespace gg::loader::detail
