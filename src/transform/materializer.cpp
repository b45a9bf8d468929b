#include "materializer.hpp"

#include "catalog.hpp"
#include "load_watermark.hpp"

#include <gadgetgrove/pg/transaction.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

namespace gg::transform {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::microseconds;

constexpr std::string_view tmp_suffix = "__dbt_tmp";
constexpr std::string_view backup_suffix = "__dbt_backup";
// The retract strategy's companion table of contribution rows, and its run's retracted rows.
constexpr std::string_view contributions_suffix = "__contributions";
constexpr std::string_view retracted_suffix = "__dbt_retracted";

// Runs `prefix + body + suffix`, so that a failure inside the body is reported on the body's
// own line numbers.
result<pg::query_result> exec_wrapped(statement_runner& stmt, std::string_view prefix,
                                      std::string_view body, std::string_view suffix,
                                      const model_spec& spec) {
  std::string sql;
  sql.reserve(prefix.size() + body.size() + suffix.size());
  sql.append(prefix).append(body).append(suffix);
  auto r = stmt.exec(sql);
  if (!r) return locate_error(r.error(), sql, prefix.size(), body, spec.path);
  return r;
}

status exec_plain(statement_runner& stmt, const std::string& sql, const model_spec& spec) {
  auto r = stmt.exec(sql);
  if (!r) return locate_error(r.error(), sql, 0, {}, spec.path);
  return {};
}

result<pg::query_result> exec_plain_result(statement_runner& stmt, const std::string& sql,
                                           const model_spec& spec) {
  auto r = stmt.exec(sql);
  if (!r) return locate_error(r.error(), sql, 0, {}, spec.path);
  return r;
}

status run_hooks(statement_runner& stmt, const std::vector<std::string>& hooks,
                 const model_spec& spec, std::string_view which) {
  for (const auto& hook : hooks) {
    if (hook.find_first_not_of(" \t\r\n;") == std::string::npos) continue;
    if (auto st = stmt.exec_script(hook); !st) {
      if (st.error().code == errc::cancelled) return st.error();
      return error{st.error().code, fmt::format("{}: {} failed: {}\n  {}", spec.path, which,
                                                st.error().message, hook)};
    }
  }
  return {};
}

std::string_view drop_keyword(relation_kind k) {
  return k == relation_kind::view ? "view" : "table";
}

std::string adapter_message(const pg::query_result& r) {
  const char* tag = r.native() == nullptr ? nullptr : PQcmdStatus(r.native());
  return tag == nullptr ? std::string{} : std::string(tag);
}

// Drops a leftover of an interrupted run under `rel`'s temporary or backup name.
status drop_leftover(statement_runner& stmt, const relation_name& rel, const model_spec& spec) {
  auto kind = describe_relation(stmt.connection(), rel);
  if (!kind) return kind.error();
  if (*kind == relation_kind::none) return {};
  return exec_plain(stmt, fmt::format("drop {} {} cascade", drop_keyword(*kind), rel.render()),
                    spec);
}

status create_index(statement_runner& stmt, const model_spec& spec, const index_spec& ix) {
  if (ix.columns.empty()) {
    return error{errc::config, spec.path + ": an entry of `indexes` has no columns"};
  }
  if (!ix.type.empty() && !std::all_of(ix.type.begin(), ix.type.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
      })) {
    return error{errc::config,
                 fmt::format("{}: index type '{}' is not a method name", spec.path, ix.type)};
  }
  // Columns are SQL written by the project's author (dbt allows expressions here).
  std::string sql =
      fmt::format("create {}index on {}{} ({})", ix.unique ? "unique " : "", spec.relation.render(),
                  ix.type.empty() ? "" : " using " + ix.type, fmt::join(ix.columns, ", "));
  return exec_plain(stmt, sql, spec);
}

status create_indexes(statement_runner& stmt, const model_spec& spec) {
  for (const auto& ix : spec.indexes) {
    if (auto st = create_index(stmt, spec, ix); !st) return st;
  }
  return {};
}

// Lower case without double quotes: a column name as written in a model and as
// pg_get_indexdef prints it compare equal.
std::string folded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != '"') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

bool plain_column(std::string_view column) {
  const std::string name = folded(column);
  return !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
         });
}

// The tail pg_get_indexdef prints for `ix` ("create [unique] index ... using btree (a, b)"),
// folded; nullopt when a column is an expression, whose printed form may differ from the
// model's text (such an index is only created when the table is built).
std::optional<std::pair<std::string, std::string>> printed_form(const index_spec& ix) {
  if (ix.columns.empty()) return std::nullopt;
  std::vector<std::string> cols;
  for (const auto& c : ix.columns) {
    if (!plain_column(c)) return std::nullopt;
    cols.push_back(folded(c));
  }
  return std::pair{std::string{ix.unique ? "create unique index " : "create index "},
                   fmt::format(" using {} ({})", ix.type.empty() ? "btree" : folded(ix.type),
                               fmt::join(cols, ", "))};
}

// An incremental run creates the declared indexes the existing table lacks, so an index added
// to a model (say, on its unique key, which the merge's delete probes) reaches tables built
// before it without a full refresh. Indexes on expressions are left to table builds.
status create_missing_indexes(statement_runner& stmt, const model_spec& spec) {
  if (spec.indexes.empty()) return {};
  auto r = stmt.exec(
      "select pg_get_indexdef(indexrelid) from pg_catalog.pg_index where indrelid = "
      "$1::regclass",
      spec.relation.render());
  if (!r) return locate_error(r.error(), {}, 0, {}, spec.path);
  std::vector<std::string> defs;
  for (int i = 0; i < r->rows(); ++i) defs.push_back(folded(r->get(i, 0)));
  for (const auto& ix : spec.indexes) {
    auto form = printed_form(ix);
    if (!form) continue;
    const bool present = std::any_of(defs.begin(), defs.end(), [&](const std::string& d) {
      return d.starts_with(form->first) && d.ends_with(form->second);
    });
    if (present) continue;
    if (auto st = create_index(stmt, spec, ix); !st) {
      if (st.error().code == errc::cancelled) return st;
      return error{st.error().code,
                   fmt::format("{} (an index the model declares, created on the existing "
                               "table; a --full-refresh rebuilds the table with it)",
                               st.error().message)};
    }
  }
  return {};
}

// The table materialization: build under the temporary name, then in the same transaction move
// the old relation aside, rename the new one into place and drop the old one. Readers see the
// old relation until COMMIT and the new one after; never a missing or half-built one.
// Inside the caller's transaction: moves the relation in the way (if any) aside as `backup`,
// renames the freshly built `built` (a `built_kind`: "table" or "view") to the model's name,
// then drops the backup, so a concurrent reader sees the old relation or the new one, never none.
status swap_in(statement_runner& stmt, const model_spec& spec, std::string_view built_kind,
               const relation_name& built, const relation_name& backup, relation_kind existing) {
  if (existing != relation_kind::none) {
    if (auto st =
            exec_plain(stmt,
                       fmt::format("alter {} {} rename to {}", drop_keyword(existing),
                                   spec.relation.render(), quote_identifier(backup.identifier)),
                       spec);
        !st) {
      return st;
    }
  }
  if (auto st = exec_plain(stmt,
                           fmt::format("alter {} {} rename to {}", built_kind, built.render(),
                                       quote_identifier(spec.relation.identifier)),
                           spec);
      !st) {
    return st;
  }
  if (existing == relation_kind::none) return {};
  return exec_plain(
      stmt, fmt::format("drop {} {} cascade", drop_keyword(existing), backup.render()), spec);
}

result<materialize_outcome> build_table(statement_runner& stmt, const model_spec& spec,
                                        const compiled_sql& compiled, bool run_pre_hooks = true,
                                        bool run_post_hooks = true) {
  const auto tmp = with_suffix(spec.relation, tmp_suffix);
  const auto backup = with_suffix(spec.relation, backup_suffix);
  auto tx = pg::transaction::begin(stmt.connection());
  if (!tx) return tx.error();
  if (run_pre_hooks) {
    if (auto st = run_hooks(stmt, compiled.pre_hooks, spec, "pre-hook"); !st) return st.error();
  }
  if (auto st = drop_leftover(stmt, tmp, spec); !st) return st.error();
  if (auto st = drop_leftover(stmt, backup, spec); !st) return st.error();
  auto created = exec_wrapped(stmt, fmt::format("create table {} as (\n", tmp.render()),
                              compiled.sql, "\n)", spec);
  if (!created) return created.error();
  materialize_outcome out;
  out.rows = created->affected_rows();
  out.adapter_message = adapter_message(*created);
  auto existing = describe_relation(stmt.connection(), spec.relation);
  if (!existing) return existing.error();
  if (auto st = swap_in(stmt, spec, "table", tmp, backup, *existing); !st) return st.error();
  if (auto st = create_indexes(stmt, spec); !st) return st.error();
  if (run_post_hooks) {
    if (auto st = run_hooks(stmt, compiled.post_hooks, spec, "post-hook"); !st) return st.error();
  }
  if (auto st = tx->commit(); !st) return st.error();
  return out;
}

result<materialize_outcome> build_view(statement_runner& stmt, const model_spec& spec,
                                       const compiled_sql& compiled) {
  auto tx = pg::transaction::begin(stmt.connection());
  if (!tx) return tx.error();
  if (auto st = run_hooks(stmt, compiled.pre_hooks, spec, "pre-hook"); !st) return st.error();
  auto existing = describe_relation(stmt.connection(), spec.relation);
  if (!existing) return existing.error();
  materialize_outcome out;
  bool replaced = false;
  if (*existing == relation_kind::view) {
    // CREATE OR REPLACE keeps the views that depend on this one; it refuses only when columns
    // were dropped, renamed or retyped, and then the swap below replaces it.
    if (auto st = stmt.exec("savepoint gg_view"); !st) return st.error();
    auto r =
        exec_wrapped(stmt, fmt::format("create or replace view {} as (\n", spec.relation.render()),
                     compiled.sql, "\n)", spec);
    if (r) {
      replaced = true;
      out.adapter_message = adapter_message(*r);
    } else if (r.error().code == errc::cancelled || r.error().sqlstate != "42P16") {
      return r.error();
    } else if (auto st = stmt.exec("rollback to savepoint gg_view"); !st) {
      return st.error();
    }
  }
  if (!replaced) {
    const auto tmp = with_suffix(spec.relation, tmp_suffix);
    const auto backup = with_suffix(spec.relation, backup_suffix);
    if (auto st = drop_leftover(stmt, tmp, spec); !st) return st.error();
    if (auto st = drop_leftover(stmt, backup, spec); !st) return st.error();
    auto r = exec_wrapped(stmt, fmt::format("create view {} as (\n", tmp.render()), compiled.sql,
                          "\n)", spec);
    if (!r) return r.error();
    out.adapter_message = adapter_message(*r);
    if (auto st = swap_in(stmt, spec, "view", tmp, backup, *existing); !st) return st.error();
  }
  if (auto st = run_hooks(stmt, compiled.post_hooks, spec, "post-hook"); !st) return st.error();
  if (auto st = tx->commit(); !st) return st.error();
  return out;
}

std::string quoted_list(const std::vector<std::string>& names, std::string_view qualifier = {}) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    if (!qualifier.empty()) out.append(qualifier).append(".");
    out += quote_identifier(n);
  }
  return out;
}

const column_info* find_column(const std::vector<column_info>& cols, const std::string& name) {
  for (const auto& c : cols) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// Applies on_schema_change to the target and returns the columns to insert.
result<std::vector<std::string>> reconcile_columns(statement_runner& stmt, const model_spec& spec,
                                                   const std::vector<column_info>& source,
                                                   const std::vector<column_info>& target) {
  std::vector<const column_info*> added, removed, changed;
  for (const auto& c : source) {
    const auto* t = find_column(target, c.name);
    if (t == nullptr) {
      added.push_back(&c);
    } else if (t->type != c.type) {
      changed.push_back(&c);
    }
  }
  for (const auto& c : target) {
    if (find_column(source, c.name) == nullptr) removed.push_back(&c);
  }
  auto names = [](const std::vector<const column_info*>& v) {
    std::vector<std::string> out;
    for (const auto* c : v) out.push_back(c->name + " " + c->type);
    return fmt::format("[{}]", fmt::join(out, ", "));
  };
  std::vector<std::string> dest;
  const auto& mode = spec.on_schema_change;
  const bool differs = !added.empty() || !removed.empty() || !changed.empty();
  if (mode == "ignore" || (!differs && (mode == "fail" || mode == "append_new_columns" ||
                                        mode == "sync_all_columns"))) {
    // dbt inserts the target's columns: a column the model no longer produces makes it fail.
    for (const auto& c : target) dest.push_back(c.name);
    return dest;
  }
  if (mode == "fail") {
    return error{errc::invalid_input,
                 fmt::format("{}: the schema of {} no longer matches the model "
                             "(on_schema_change='fail'): added {}, removed {}, changed {}",
                             spec.path, spec.relation.render(), names(added), names(removed),
                             names(changed))};
  }
  if (mode != "append_new_columns" && mode != "sync_all_columns") {
    return error{errc::config, fmt::format("{}: on_schema_change '{}' is not one of ignore, fail, "
                                           "append_new_columns, sync_all_columns",
                                           spec.path, mode)};
  }
  for (const auto* c : added) {
    // The type text comes from format_type() of the model's own result, not from input.
    if (auto st = exec_plain(stmt,
                             fmt::format("alter table {} add column {} {}", spec.relation.render(),
                                         quote_identifier(c->name), c->type),
                             spec);
        !st) {
      return st.error();
    }
  }
  if (mode == "append_new_columns") {
    for (const auto& c : target) {
      if (find_column(source, c.name) != nullptr) dest.push_back(c.name);
    }
    for (const auto* c : added) dest.push_back(c->name);
    return dest;
  }
  for (const auto* c : removed) {
    if (auto st = exec_plain(stmt,
                             fmt::format("alter table {} drop column {}", spec.relation.render(),
                                         quote_identifier(c->name)),
                             spec);
        !st) {
      return st.error();
    }
  }
  for (const auto* c : changed) {
    if (auto st =
            exec_plain(stmt,
                       fmt::format("alter table {0} alter column {1} type {2} using {1}::{2}",
                                   spec.relation.render(), quote_identifier(c->name), c->type),
                       spec);
        !st) {
      return st.error();
    }
  }
  for (const auto& c : source) dest.push_back(c.name);
  return dest;
}

// The `retract` strategy (docs/transform/runs.md): the model's rows are contributions, kept in
// <relation>__contributions and replaced per retract key; the target holds their sums per
// unique_key, updated by the difference between a run's new rows and the rows it retracted, so
// a run costs what it touches, not what the target's groups hold.

relation_name contributions_of(const model_spec& spec) {
  return with_suffix(spec.relation, contributions_suffix);
}

bool holds(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

status check_retract_config(const model_spec& spec) {
  if (spec.retract_key.empty() || spec.unique_key.empty()) {
    return error{
        errc::config,
        spec.path + ": incremental_strategy 'retract' needs `retract_key` and `unique_key`"};
  }
  return {};
}

// The summed columns: every contribution column but the keys, event_time and the load stamp.
result<std::vector<std::string>> measure_columns(pg::connection& conn, const model_spec& spec) {
  auto cols = relation_columns(conn, contributions_of(spec).render());
  if (!cols) return cols.error();
  std::vector<std::string> out;
  for (const auto& c : *cols) {
    if (holds(spec.retract_key, c.name) || holds(spec.unique_key, c.name) ||
        c.name == spec.event_time || c.name == spec.load_stamp) {
      continue;
    }
    out.push_back(c.name);
  }
  if (out.empty()) {
    return error{errc::config, spec.path + ": a 'retract' model needs a column to sum"};
  }
  return out;
}

// A row whose unique_key columns are all NULL only names a retract key to clear.
std::string tombstone(const model_spec& spec, std::string_view qualifier) {
  std::vector<std::string> nulls;
  for (const auto& k : spec.unique_key) {
    nulls.push_back(fmt::format("{}.{} is null", qualifier, quote_identifier(k)));
  }
  return fmt::format("({})", fmt::join(nulls, " and "));
}

// `fmt` applied to every name, joined by `sep`.
std::string each(const std::vector<std::string>& names, std::string_view fmt_text,
                 std::string_view sep) {
  std::vector<std::string> parts;
  for (const auto& n : names)
    parts.push_back(fmt::format(fmt::runtime(fmt_text), quote_identifier(n)));
  return fmt::format("{}", fmt::join(parts, sep));
}

// First run or full refresh: the contributions built like a table (with an index on the retract
// key), then the target from their sums, both swapped in by one transaction.
result<materialize_outcome> build_retract_table(statement_runner& stmt, const model_spec& spec,
                                                const compiled_sql& compiled) {
  if (auto st = check_retract_config(spec); !st) return st.error();
  model_spec contrib = spec;
  contrib.relation = contributions_of(spec);
  const auto ctmp = with_suffix(contrib.relation, tmp_suffix);
  const auto cbackup = with_suffix(contrib.relation, backup_suffix);
  const auto tmp = with_suffix(spec.relation, tmp_suffix);
  const auto backup = with_suffix(spec.relation, backup_suffix);
  auto tx = pg::transaction::begin(stmt.connection());
  if (!tx) return tx.error();
  if (auto st = run_hooks(stmt, compiled.pre_hooks, spec, "pre-hook"); !st) return st.error();
  for (const auto* rel : {&ctmp, &cbackup, &tmp, &backup}) {
    if (auto st = drop_leftover(stmt, *rel, spec); !st) return st.error();
  }
  auto created = exec_wrapped(
      stmt, fmt::format("create table {} as select * from (\n", ctmp.render()), compiled.sql,
      fmt::format("\n) dbt_contributions where not {}", tombstone(spec, "dbt_contributions")),
      spec);
  if (!created) return created.error();
  auto existing_contrib = describe_relation(stmt.connection(), contrib.relation);
  if (!existing_contrib) return existing_contrib.error();
  if (auto st = swap_in(stmt, contrib, "table", ctmp, cbackup, *existing_contrib); !st) {
    return st.error();
  }
  if (auto st = exec_plain(stmt,
                           fmt::format("create index on {} ({})", contrib.relation.render(),
                                       each(spec.retract_key, "{}", ", ")),
                           spec);
      !st) {
    return st.error();
  }
  auto measures = measure_columns(stmt.connection(), spec);
  if (!measures) return measures.error();
  const std::string keys = each(spec.unique_key, "{}", ", ");
  auto built = exec_plain_result(
      stmt,
      fmt::format("create table {} as select {}, {} from {} group by {} having {}", tmp.render(),
                  keys, each(*measures, "sum({0}) as {0}", ", "), contrib.relation.render(), keys,
                  each(*measures, "sum({}) <> 0", " or ")),
      spec);
  if (!built) return built.error();
  materialize_outcome out;
  out.rows = built->affected_rows();
  out.adapter_message = adapter_message(*built);
  auto existing = describe_relation(stmt.connection(), spec.relation);
  if (!existing) return existing.error();
  if (auto st = swap_in(stmt, spec, "table", tmp, backup, *existing); !st) return st.error();
  if (auto st = create_indexes(stmt, spec); !st) return st.error();
  if (auto st = run_hooks(stmt, compiled.post_hooks, spec, "post-hook"); !st) return st.error();
  if (auto st = tx->commit(); !st) return st.error();
  return out;
}

// An incremental run: the contributions of the retract keys in `source` (the model's rows, with
// tombstones) are moved to a temporary table, the new ones inserted, and the target updated by
// the per-key difference; a key whose sums all reach zero is deleted, as a full build would not
// have it.
result<pg::query_result> apply_retract(statement_runner& stmt, const model_spec& spec,
                                       const std::string& source) {
  if (auto st = check_retract_config(spec); !st) return st.error();
  const std::string contrib = contributions_of(spec).render();
  const std::string old = quote_identifier(with_suffix(spec.relation, retracted_suffix).identifier);
  auto cols = relation_columns(stmt.connection(), contrib);
  if (!cols) return cols.error();
  std::vector<std::string> names;
  for (const auto& c : *cols) names.push_back(c.name);
  auto measures = measure_columns(stmt.connection(), spec);
  if (!measures) return measures.error();
  const std::string keys = each(spec.unique_key, "{}", ", ");
  const std::string rkeys = each(spec.retract_key, "{}", ", ");
  std::vector<std::string> rk_eq, k_eq;
  for (const auto& k : spec.retract_key) {
    rk_eq.push_back(fmt::format("c.{0} = k.{0}", quote_identifier(k)));
  }
  for (const auto& k : spec.unique_key) {
    k_eq.push_back(fmt::format("d.{0} = s.{0}", quote_identifier(k)));
  }
  // The temporary tables have no statistics; without them the planner may join the target by
  // a sequential scan instead of the unique key's index.
  const std::vector<std::string> steps = {
      fmt::format("analyze {}", source),
      fmt::format("create temporary table {} on commit drop as select * from {} with no data", old,
                  contrib),
      fmt::format("with gone as (delete from {} c using (select distinct {} from {}) k where {} "
                  "returning c.*) insert into {} select * from gone",
                  contrib, rkeys, source, fmt::join(rk_eq, " and "), old),
      fmt::format("insert into {0} ({1}) select {1} from {2} s where not {3}", contrib,
                  quoted_list(names), source, tombstone(spec, "s")),
      fmt::format("analyze {}", old),
  };
  for (const auto& sql : steps) {
    if (auto st = exec_plain(stmt, sql, spec); !st) return st.error();
  }
  return stmt.exec(fmt::format(
      "merge into {target} as d using (select {keys}, {sums} from (select {keys}, {m} from "
      "{source} s where not {tomb} union all select {keys}, {neg} from {old}) x group by {keys} "
      "having {nonzero}) as s on ({on}) "
      "when matched and ({zero}) then delete "
      "when matched then update set {add} "
      "when not matched then insert ({keys}, {m}) values ({skeys}, {sm})",
      fmt::arg("target", spec.relation.render()), fmt::arg("keys", keys),
      fmt::arg("sums", each(*measures, "sum({0}) as {0}", ", ")),
      fmt::arg("m", each(*measures, "{}", ", ")), fmt::arg("source", source),
      fmt::arg("tomb", tombstone(spec, "s")), fmt::arg("neg", each(*measures, "-{0} as {0}", ", ")),
      fmt::arg("old", old), fmt::arg("nonzero", each(*measures, "sum({}) <> 0", " or ")),
      fmt::arg("on", fmt::join(k_eq, " and ")),
      fmt::arg("zero", each(*measures, "d.{0} + s.{0} = 0", " and ")),
      fmt::arg("add", each(*measures, "{0} = d.{0} + s.{0}", ", ")),
      fmt::arg("skeys", each(spec.unique_key, "s.{}", ", ")),
      fmt::arg("sm", each(*measures, "s.{}", ", "))));
}

// A full build with the model's strategy: the retract strategy builds its contributions too.
result<materialize_outcome> build_full(statement_runner& stmt, const model_spec& spec,
                                       const compiled_sql& compiled, const std::string& strategy) {
  if (strategy == "retract") return build_retract_table(stmt, spec, compiled);
  return build_table(stmt, spec, compiled);
}

// Whether the model can be merged into: for the retract strategy its contributions must exist
// too (a target built by another strategy or tool has none), with every retract key column (a
// model that changed its retract key, e.g. from a visitor to a visitor and a day, is built
// again rather than retracting by columns its contributions lack).
result<bool> can_merge(pg::connection& conn, const model_spec& spec, const std::string& strategy,
                       bool full_refresh) {
  auto incremental = is_incremental(conn, spec, full_refresh);
  if (!incremental || !*incremental || strategy != "retract") return incremental;
  auto kind = describe_relation(conn, contributions_of(spec));
  if (!kind) return kind.error();
  if (*kind != relation_kind::table) return false;
  auto cols = relation_columns(conn, contributions_of(spec).render());
  if (!cols) return cols.error();
  for (const auto& key : spec.retract_key) {
    const bool held = std::any_of(cols->begin(), cols->end(),
                                  [&](const column_info& c) { return c.name == key; });
    if (!held) return false;
  }
  return true;
}

std::string effective_strategy(const model_spec& spec) {
  if (!spec.incremental_strategy.empty()) return spec.incremental_strategy;
  return spec.unique_key.empty() ? "append" : "delete+insert";
}

std::string predicates_suffix(const model_spec& spec) {
  std::string out;
  for (const auto& p : spec.incremental_predicates) out += " and (" + p + ")";
  return out;
}

// Merges the temporary table's rows into the target with the model's strategy; returns the
// statement whose row count is reported.
result<pg::query_result> apply_strategy(statement_runner& stmt, const model_spec& spec,
                                        const std::string& strategy, const std::string& source,
                                        const std::vector<std::string>& dest,
                                        const std::optional<event_window>& replace_window) {
  const std::string target = spec.relation.render();
  const std::string cols = quoted_list(dest);
  auto insert = [&] {
    return stmt.exec(
        fmt::format("insert into {} ({}) select {} from {}", target, cols, cols, source));
  };
  if (strategy == "append") return insert();
  if (strategy == "microbatch") {
    // Each batch replaces its own window of the target.
    const std::string start = format_iso8601_us(replace_window->start);
    const std::string end = format_iso8601_us(*replace_window->end);
    auto del = stmt.exec(fmt::format("delete from {} where {} >= $1::timestamptz and {} < "
                                     "$2::timestamptz{}",
                                     target, quote_identifier(spec.event_time),
                                     quote_identifier(spec.event_time), predicates_suffix(spec)),
                         start, end);
    if (!del) return del.error();
    return insert();
  }
  if (strategy == "delete+insert") {
    if (!spec.unique_key.empty()) {
      std::string sql;
      if (spec.unique_key.size() == 1) {
        sql = fmt::format("delete from {0} where ({1}) in (select ({1}) from {2}){3}", target,
                          spec.unique_key[0], source, predicates_suffix(spec));
      } else {
        std::vector<std::string> eq;
        for (const auto& k : spec.unique_key) {
          eq.push_back(fmt::format("{0}.{2} = {1}.{2}", source, target, k));
        }
        sql = fmt::format("delete from {} using {} where ({}){}", target, source,
                          fmt::join(eq, " and "), predicates_suffix(spec));
      }
      auto del = stmt.exec(sql);
      if (!del) return del.error();
    }
    return insert();
  }
  if (strategy == "merge") {
    std::vector<std::string> on;
    for (const auto& p : spec.incremental_predicates) on.push_back("(" + p + ")");
    if (spec.unique_key.empty()) {
      on.push_back("FALSE");
    } else {
      std::vector<std::string> eq;
      for (const auto& k : spec.unique_key) {
        eq.push_back(fmt::format("DBT_INTERNAL_SOURCE.{0} = DBT_INTERNAL_DEST.{0}", k));
      }
      on.push_back("(" + fmt::format("{}", fmt::join(eq, " and ")) + ")");
    }
    std::vector<std::string> set;
    for (const auto& c : dest) {
      set.push_back(fmt::format("{0} = DBT_INTERNAL_SOURCE.{0}", quote_identifier(c)));
    }
    return stmt.exec(fmt::format(
        "merge into {} as DBT_INTERNAL_DEST using {} as DBT_INTERNAL_SOURCE on {} when matched "
        "then update set {} when not matched then insert ({}) values ({})",
        target, source, fmt::join(on, " and "), fmt::join(set, ", "), cols,
        quoted_list(dest, "DBT_INTERNAL_SOURCE")));
  }
  return error{errc::config,
               fmt::format("{}: incremental_strategy '{}' is not one of append, delete+insert, "
                           "merge, microbatch, retract",
                           spec.path, strategy)};
}

// One incremental step: the model's rows into a temporary table, the schema reconciled, then
// merged by the strategy, all in one transaction.
result<materialize_outcome> merge_increment(statement_runner& stmt, const model_spec& spec,
                                            const compiled_sql& compiled,
                                            const std::string& strategy,
                                            const std::optional<event_window>& replace_window,
                                            bool run_pre_hooks, bool run_post_hooks) {
  auto tx = pg::transaction::begin(stmt.connection());
  if (!tx) return tx.error();
  if (run_pre_hooks) {
    if (auto st = run_hooks(stmt, compiled.pre_hooks, spec, "pre-hook"); !st) return st.error();
  }
  if (auto st = create_missing_indexes(stmt, spec); !st) return st.error();
  const std::string tmp = quote_identifier(with_suffix(spec.relation, tmp_suffix).identifier);
  auto created =
      exec_wrapped(stmt, fmt::format("create temporary table {} on commit drop as (\n", tmp),
                   compiled.sql, "\n)", spec);
  if (!created) return created.error();
  result<pg::query_result> applied = error{errc::internal, "not run"};
  if (strategy == "retract") {
    // The target's columns are sums of the contributions': on_schema_change does not apply.
    applied = apply_retract(stmt, spec, tmp);
  } else {
    auto source_cols = relation_columns(stmt.connection(), "pg_temp." + tmp);
    if (!source_cols) return source_cols.error();
    auto target_cols = relation_columns(stmt.connection(), spec.relation.render());
    if (!target_cols) return target_cols.error();
    auto dest = reconcile_columns(stmt, spec, *source_cols, *target_cols);
    if (!dest) return dest.error();
    applied = apply_strategy(stmt, spec, strategy, tmp, *dest, replace_window);
  }
  if (!applied) {
    return applied.error().code == errc::cancelled
               ? applied.error()
               : error{applied.error().code, spec.path + ": " + applied.error().message};
  }
  if (run_post_hooks) {
    if (auto st = run_hooks(stmt, compiled.post_hooks, spec, "post-hook"); !st) return st.error();
  }
  if (auto st = tx->commit(); !st) return st.error();
  materialize_outcome out;
  out.rows = applied->affected_rows();
  out.adapter_message = adapter_message(*applied);
  return out;
}

bool full_refresh_applies(const model_spec& spec, bool flag) {
  return spec.full_refresh.value_or(flag);
}

// window_start = max(event_time) of the target - lookback_window; nullopt when the target is
// empty (everything is processed).
result<std::optional<event_window>> lookback_window(statement_runner& stmt,
                                                    const model_spec& spec) {
  auto r =
      stmt.exec(fmt::format("select extract(epoch from max({}) - $1::interval)::float8 from {}",
                            quote_identifier(spec.event_time), spec.relation.render()),
                spec.lookback_window);
  if (!r) {
    return r.error().code == errc::cancelled
               ? r.error()
               : error{r.error().code,
                       fmt::format("{}: lookback '{}' on event_time '{}': {}", spec.path,
                                   spec.lookback_window, spec.event_time, r.error().message)};
  }
  if (r->is_null(0, 0)) return std::optional<event_window>{};
  auto seconds = r->get_double(0, 0);
  if (!seconds) return seconds.error();
  return std::optional<event_window>{event_window{
      sys_us{microseconds{static_cast<std::int64_t>(std::floor(*seconds * 1e6))}}, std::nullopt}};
}

result<materialize_outcome> build_microbatch(statement_runner& stmt, const model_spec& spec,
                                             const compile_fn& compile,
                                             const materialize_options& options) {
  if (spec.event_time.empty()) {
    return error{errc::config, spec.path + ": a microbatch model needs `event_time`"};
  }
  auto existing = describe_relation(stmt.connection(), spec.relation);
  if (!existing) return existing.error();
  const bool full = full_refresh_applies(spec, options.full_refresh);
  const bool incremental = *existing == relation_kind::table && !full;
  sys_us first{};
  if (options.event_time_start) {
    first = truncate_to_batch(*options.event_time_start, spec.batch);
  } else if (incremental) {
    first = offset_batches(truncate_to_batch(options.now, spec.batch), spec.batch, -spec.lookback);
  } else if (spec.begin) {
    first = truncate_to_batch(*spec.begin, spec.batch);
  } else {
    return error{errc::config, spec.path +
                                   ": a microbatch model needs `begin` for its first run (or "
                                   "--event-time-start)"};
  }
  const sys_us end = options.event_time_end.value_or(options.now);
  const auto windows = microbatch_windows(first, end, spec.batch);
  materialize_outcome out;
  out.rows = 0;
  std::vector<std::string> failures;
  std::size_t done = 0;
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const auto& w = windows[i];
    result<materialize_outcome> batch = error{errc::internal, "not run"};
    // A failed batch is retried once on its own before it is reported; the others go on.
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto kind = describe_relation(stmt.connection(), spec.relation);
      if (!kind) {
        batch = kind.error();
      } else {
        const bool rebuild =
            *kind != relation_kind::table || (full && i == 0 && !options.event_time_start);
        auto compiled = compile(compile_request{!rebuild, w});
        if (!compiled) {
          batch = compiled.error();
        } else if (rebuild) {
          batch = build_table(stmt, spec, *compiled, i == 0, i + 1 == windows.size());
        } else {
          // Hooks run once per model: before the first batch and after the last.
          batch = merge_increment(stmt, spec, *compiled, "microbatch", w, i == 0,
                                  i + 1 == windows.size());
        }
      }
      if (batch || batch.error().code == errc::cancelled) break;
    }
    if (!batch) {
      if (batch.error().code == errc::cancelled) return batch.error();
      failures.push_back(fmt::format("batch [{}, {}): {}", format_iso8601_us(w.start),
                                     format_iso8601_us(*w.end), batch.error().message));
      continue;
    }
    ++done;
    *out.rows += batch->rows.value_or(0);
  }
  out.adapter_message = fmt::format("{} of {} batches", done, windows.size());
  if (!failures.empty()) {
    out.partial_failure = fmt::format("{} of {} batches failed (each retried once): {}",
                                      failures.size(), windows.size(), fmt::join(failures, "; "));
  }
  return out;
}

// A load-stamped model (load_watermark.hpp): rebuilt when no watermark is recorded (what it
// holds is unknown), else merged from the input rows stamped at or after its watermark, and
// not run at all when there are none. The new watermark is taken before the inputs are read
// and recorded after the model's transaction committed: a failure in between leaves the old
// one, so the next run reprocesses more, never less.
result<materialize_outcome> build_load_stamped(statement_runner& stmt, const model_spec& spec,
                                               const compile_fn& compile,
                                               const std::string& strategy,
                                               const materialize_options& options) {
  auto incremental = can_merge(stmt.connection(), spec, strategy, options.full_refresh);
  if (!incremental) return incremental.error();
  std::optional<std::int64_t> from;
  if (*incremental) {
    auto recorded = recorded_watermark(stmt, spec);
    if (!recorded) return recorded.error();
    from = *recorded;
  }
  auto reach = reachable_watermark(stmt, spec);
  if (!reach) return reach.error();
  result<materialize_outcome> out = error{errc::internal, "not run"};
  if (!from) {
    auto compiled = compile(compile_request{false, std::nullopt});
    if (!compiled) return compiled.error();
    out = build_full(stmt, spec, *compiled, strategy);
  } else {
    auto changed = inputs_changed_since(stmt, spec, *from);
    if (!changed) return changed.error();
    if (!*changed) {
      out = materialize_outcome{0, "no new rows", {}};
    } else {
      compile_request request{true, std::nullopt};
      request.load_stamp_from = *from;
      auto compiled = compile(request);
      if (!compiled) return compiled.error();
      out = merge_increment(stmt, spec, *compiled, strategy, std::nullopt, true, true);
    }
  }
  if (!out) return out;
  if (auto st = record_watermark(stmt, spec, *reach); !st) return st.error();
  return out;
}

result<materialize_outcome> build_incremental(statement_runner& stmt, const model_spec& spec,
                                              const compile_fn& compile,
                                              const materialize_options& options) {
  const std::string strategy = effective_strategy(spec);
  if (strategy == "microbatch") return build_microbatch(stmt, spec, compile, options);
  if (!spec.load_stamp.empty()) return build_load_stamped(stmt, spec, compile, strategy, options);
  auto incremental = can_merge(stmt.connection(), spec, strategy, options.full_refresh);
  if (!incremental) return incremental.error();
  if (!*incremental) {
    auto compiled = compile(compile_request{false, std::nullopt});
    if (!compiled) return compiled.error();
    return build_full(stmt, spec, *compiled, strategy);
  }
  compile_request request{true, std::nullopt};
  if (!spec.lookback_window.empty()) {
    if (spec.event_time.empty()) {
      return error{errc::config, spec.path + ": `lookback` needs `event_time` on the model"};
    }
    auto window = lookback_window(stmt, spec);
    if (!window) return window.error();
    request.window = *window;
  }
  auto compiled = compile(request);
  if (!compiled) return compiled.error();
  return merge_increment(stmt, spec, *compiled, strategy, std::nullopt, true, true);
}

}  // namespace

sys_us truncate_to_batch(sys_us t, batch_size size) {
  switch (size) {
    case batch_size::hour:
      return std::chrono::floor<hours>(t);
    case batch_size::day:
      return std::chrono::floor<days>(t);
    case batch_size::month: {
      const auto d = civil_from_days(std::chrono::floor<days>(t).time_since_epoch().count());
      return sys_us{days{days_from_civil(d.year, d.month, 1)}};
    }
    case batch_size::year: {
      const auto d = civil_from_days(std::chrono::floor<days>(t).time_since_epoch().count());
      return sys_us{days{days_from_civil(d.year, 1, 1)}};
    }
  }
  return t;
}

sys_us offset_batches(sys_us t, batch_size size, int n) {
  switch (size) {
    case batch_size::hour:
      return t + hours{n};
    case batch_size::day:
      return t + days{n};
    case batch_size::year:
      return offset_batches(t, batch_size::month, n * 12);
    case batch_size::month: {
      const auto day_start = std::chrono::floor<days>(t);
      const auto d = civil_from_days(day_start.time_since_epoch().count());
      std::int64_t months = static_cast<std::int64_t>(d.year) * 12 + (d.month - 1) + n;
      const auto year = static_cast<std::int32_t>(months >= 0 ? months / 12 : (months - 11) / 12);
      const auto month =
          static_cast<std::uint32_t>(months - static_cast<std::int64_t>(year) * 12 + 1);
      const auto day = std::min(d.day, days_in_month(year, month));
      return sys_us{days{days_from_civil(year, month, day)}} + (t - day_start);
    }
  }
  return t;
}

std::vector<event_window> microbatch_windows(sys_us first, sys_us end, batch_size size) {
  std::vector<event_window> out;
  for (sys_us start = first; start < end;) {
    const sys_us next = offset_batches(start, size, 1);
    out.push_back(event_window{start, next});
    start = next;
  }
  return out;
}

result<bool> is_incremental(pg::connection& conn, const model_spec& spec, bool full_refresh) {
  if (spec.materialized != "incremental" || full_refresh_applies(spec, full_refresh)) return false;
  auto kind = describe_relation(conn, spec.relation);
  if (!kind) return kind.error();
  return *kind == relation_kind::table;
}

status ensure_schema(statement_runner& stmt, const std::string& schema) {
  const std::string sql = "create schema if not exists " + quote_identifier(schema);
  auto r = stmt.exec(sql);
  // Two sessions creating the same schema at once: one gets a unique violation; it exists now.
  if (!r && r.error().sqlstate == "23505") r = stmt.exec(sql);
  if (!r) return r.error();
  return {};
}

result<materialize_outcome> materialize(statement_runner& stmt, const model_spec& spec,
                                        const compile_fn& compile,
                                        const materialize_options& options) {
  const auto& m = spec.materialized;
  if (m == "view") {
    auto compiled = compile(compile_request{});
    if (!compiled) return compiled.error();
    return build_view(stmt, spec, *compiled);
  }
  if (m == "table") {
    auto compiled = compile(compile_request{});
    if (!compiled) return compiled.error();
    return build_table(stmt, spec, *compiled);
  }
  if (m == "incremental") return build_incremental(stmt, spec, compile, options);
  if (m == "ephemeral") return materialize_outcome{};
  return error{errc::config, fmt::format("{}: materialized '{}' is not one of view, table, "
                                         "incremental, ephemeral",
                                         spec.path, m)};
}

}  // namespace gg::transform
