#pragma once
// What exists in the database: relation kinds and columns, read from pg_catalog with bound
// parameters.

#include "project/node.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include <string>
#include <vector>

namespace gg::transform {

/// `rel` with `suffix` appended to its identifier ("x__dbt_tmp"), the identifier shortened so
/// the result fits PostgreSQL's 63-byte limit (never splitting a UTF-8 character): the server
/// would truncate it otherwise, and the temporary and backup names could collide.
relation_name with_suffix(const relation_name& rel, std::string_view suffix);

enum class relation_kind { none, table, view };

struct column_info {
  std::string name;
  std::string type;  // format_type(): "text", "numeric(10,2)", "timestamp with time zone"
};

/// Whether `rel` exists and as what (partitioned tables count as tables, materialized views as
/// views). Blocks on one query.
result<relation_kind> describe_relation(pg::connection& conn, const relation_name& rel);

/// The columns of the relation that `regclass_text` names (a quoted, optionally qualified name
/// as `to_regclass` reads it, so temporary tables resolve too), in column order. Empty when the
/// relation does not exist.
result<std::vector<column_info>> relation_columns(pg::connection& conn,
                                                  const std::string& regclass_text);

}  // namespace gg::transform
