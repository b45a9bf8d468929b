#pragma once
// One node of a dbt project: a model, a data test or a source table, with its resolved
// configuration and the relation it names in the database.

#include "jinja/value.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gg::transform {

enum class node_kind { model, test, source };

/// "model", "test" or "source" (dbt's resource_type spelling).
std::string_view to_string(node_kind k) noexcept;

/// A table or view: database (may be empty: we run in one database), schema, identifier.
/// Renders as `"schema"."identifier"`, each part quoted as dbt-postgres quotes identifiers.
struct relation_name {
  std::string database;
  std::string schema;
  std::string identifier;

  /// `"schema"."identifier"` with embedded double quotes doubled.
  std::string render() const;
  bool operator==(const relation_name&) const = default;
};

/// Quotes one identifier as PostgreSQL does: `a"b` becomes `"a""b"`.
std::string quote_identifier(std::string_view name);

/// An index declared in a model's `indexes` config (dbt-postgres form).
struct index_config {
  std::vector<std::string> columns;
  bool unique = false;
  std::string type;  // "btree", "hash", ... or empty for the default
};

/// The `warn_after` / `error_after` of source freshness: count periods (minute/hour/day).
struct freshness_threshold {
  std::int64_t count = 0;
  std::string period;  // "minute", "hour" or "day"
};

struct freshness_config {
  std::optional<freshness_threshold> warn_after;
  std::optional<freshness_threshold> error_after;
  std::string filter;  // a SQL condition, empty when none
};

/// The resolved configuration of a node, after dbt's precedence: dbt_project.yml folder config
/// < YAML property file `config:` < in-model `{{ config(...) }}`; tags accumulate over all
/// three. Typed fields hold the keys the runner acts on; `raw` holds every key (typed ones
/// included) with its final value, for `config.get` and `config.<key>:` selectors.
struct node_config {
  std::string materialized = "view";  // view | table | incremental | ephemeral (tests: "test")
  std::optional<std::string> schema;  // the custom schema (input to generate_schema_name)
  std::optional<std::string> alias;
  std::optional<std::string> database;
  std::vector<std::string> tags;
  bool enabled = true;
  std::optional<std::string> incremental_strategy;  // as written; empty = the default rule
  std::vector<std::string> unique_key;              // a string is a list of one
  // Our extension: the unit whose contribution rows the `retract` strategy replaces together.
  std::vector<std::string> retract_key;
  std::vector<std::string> incremental_predicates;
  std::string on_schema_change = "ignore";
  std::optional<bool> full_refresh;
  std::optional<std::string> event_time;       // a column name
  std::optional<std::string> begin;            // microbatch: first batch start, as written
  std::optional<std::string> batch_size;       // hour | day | month | year
  std::int64_t lookback = 1;                   // microbatch: batches reprocessed before the start
  std::optional<std::string> lookback_window;  // our extension: an interval such as '2 hours'
  // Our extension: a bigint column holding the id of the transaction that loaded the row (or
  // the newest such id of the rows it was built from); see docs/transform.md, load stamps.
  std::optional<std::string> load_stamp;
  std::vector<index_config> indexes;
  std::vector<std::string> pre_hook;   // rendered at compile time (compiled_node::pre_hooks)
  std::vector<std::string> post_hook;  // rendered at compile time (compiled_node::post_hooks)
  // Data tests.
  std::string severity = "error";  // "error" or "warn"
  std::string warn_if = "!= 0";
  std::string error_if = "!= 0";
  std::optional<std::int64_t> limit;
  std::optional<std::string> where;
  bool store_failures = false;
  std::optional<std::string> store_failures_as;  // "table" | "view" | "ephemeral"

  /// Every config key with its final value (e.g. "materialized" -> 'incremental').
  jinja::dict raw;
};

/// What a generic or singular test checks.
struct test_info {
  bool generic = true;        // false for a singular test (tests/**/*.sql)
  std::string test_name;      // "not_null", "unique", "accepted_values", ... (generic)
  std::string attached_node;  // unique id of the model or source it tests (may be empty)
  std::optional<std::string> column_name;
  jinja::dict kwargs;  // the test's arguments as written (strings unrendered)
};

/// A source table's freshness settings and loaded_at_field.
struct source_info {
  std::string source_name;
  std::string table_name;
  std::optional<std::string> loaded_at_field;
  std::optional<freshness_config> freshness;  // nullopt: no freshness check
};

/// A node of the project graph. Immutable once project::load returns.
struct node {
  std::string unique_id;  // model.<project>.<name>, test.<project>.<name>, source.<p>.<s>.<t>
  node_kind kind = node_kind::model;
  std::string name;                // model/test name; the table name for a source
  std::string original_file_path;  // relative to the project root, e.g. models/stg/a.sql
  std::vector<std::string> fqn;    // [project, folders..., name] as dbt builds it
  std::string raw_code;            // the template text (models and singular tests)
  std::string description;
  relation_name relation;
  std::vector<std::string> depends_on;  // unique ids of parents, sorted, no duplicates
  node_config config;
  std::optional<test_info> test;      // set for tests
  std::optional<source_info> source;  // set for sources
  std::vector<std::string> columns;   // documented column names, in file order
};

}  // namespace gg::transform
