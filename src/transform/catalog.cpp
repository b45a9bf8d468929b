#include "catalog.hpp"

namespace gg::transform {

relation_name with_suffix(const relation_name& rel, std::string_view suffix) {
  constexpr std::size_t max_identifier_bytes = 63;  // NAMEDATALEN - 1
  std::string base = rel.identifier;
  if (base.size() + suffix.size() > max_identifier_bytes) {
    std::size_t keep =
        suffix.size() >= max_identifier_bytes ? 0 : max_identifier_bytes - suffix.size();
    while (keep > 0 && keep < base.size() &&
           (static_cast<unsigned char>(base[keep]) & 0xC0) == 0x80) {
      --keep;
    }
    base.resize(keep);
  }
  return relation_name{rel.database, rel.schema, base + std::string(suffix)};
}

result<relation_kind> describe_relation(pg::connection& conn, const relation_name& rel) {
  auto r = conn.exec(
      "select c.relkind::text from pg_catalog.pg_class c join pg_catalog.pg_namespace n on "
      "n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2",
      rel.schema, rel.identifier);
  if (!r) return r.error();
  if (r->rows() == 0) return relation_kind::none;
  const auto kind = r->get(0, 0);
  if (kind == "r" || kind == "p" || kind == "f") return relation_kind::table;
  if (kind == "v" || kind == "m") return relation_kind::view;
  // An index, sequence or composite type holds the name: building over it would fail anyway.
  return error{errc::conflict, rel.render() + " exists but is neither a table nor a view"};
}

result<std::vector<column_info>> relation_columns(pg::connection& conn,
                                                  const std::string& regclass_text) {
  auto r = conn.exec(
      "select a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod) from "
      "pg_catalog.pg_attribute a where a.attrelid = to_regclass($1) and a.attnum > 0 and not "
      "a.attisdropped order by a.attnum",
      regclass_text);
  if (!r) return r.error();
  std::vector<column_info> out;
  out.reserve(static_cast<std::size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) {
    out.push_back({std::string(r->get(i, 0)), std::string(r->get(i, 1))});
  }
  return out;
}

}  // namespace gg::transform
