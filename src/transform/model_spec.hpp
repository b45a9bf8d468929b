#pragma once
// How one model is to be built: its relation, its materialization settings (dbt's config keys,
// typed) and a way to compile its SQL for a given state. The runner fills it from the project;
// tests fill it by hand.

#include "project/node.hpp"

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/time.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace gg::transform {

/// dbt-postgres `indexes` entry: {columns: [...], unique: bool, type: btree|hash|gist|...}.
struct index_spec {
  std::vector<std::string> columns;
  bool unique = false;
  std::string type;  // empty: the server's default (btree)
};

/// An event-time window [start, end); end absent = unbounded (lookback windows).
struct event_window {
  sys_us start{};
  std::optional<sys_us> end;
};

/// What compile() is asked for: the state that decides is_incremental() and the event-time
/// filter of upstream refs/sources.
struct compile_request {
  bool is_incremental = false;
  std::optional<event_window> window;
  /// Load-stamped refs/sources keep only rows stamped at or after this (load_watermark.hpp).
  std::optional<std::int64_t> load_stamp_from;
};

/// The SQL to run for a model: its select and its hooks, all rendered.
struct compiled_sql {
  std::string sql;
  std::vector<std::string> pre_hooks;
  std::vector<std::string> post_hooks;
};

/// Compiles the model for one state. Called on the worker thread that builds the model.
using compile_fn = std::function<result<compiled_sql>(const compile_request&)>;

enum class batch_size { hour, day, month, year };

/// A parent of a load-stamped model that carries a load stamp too.
struct stamped_input {
  relation_name relation;
  std::string column;
  bool is_model = false;  // a model keeps a watermark; a source's rows are stamped by loads
};

struct model_spec {
  std::string unique_id;
  std::string path;  // the model file, for error messages ("models/staging/stg_x.sql")
  relation_name relation;
  std::string materialized = "view";  // view | table | incremental | ephemeral
  std::string incremental_strategy;   // empty: append, or delete+insert with unique_key
  std::vector<std::string> unique_key;
  std::vector<std::string> retract_key;  // our extension: the `retract` strategy's unit
  std::vector<std::string> incremental_predicates;
  std::string on_schema_change = "ignore";  // ignore | fail | append_new_columns | sync_all_columns
  std::optional<bool> full_refresh;         // overrides --full-refresh when set
  std::string event_time;                   // column of this model (microbatch, lookback)
  std::optional<sys_us> begin;              // microbatch: first batch on the first run
  batch_size batch = batch_size::day;
  int lookback = 1;             // microbatch: batches reprocessed before now
  std::string lookback_window;  // our extension: an interval ("2 hours")
  std::string load_stamp;       // our extension: column of this model (load_watermark.hpp)
  std::vector<stamped_input> stamped_inputs;  // with load_stamp: its load-stamped parents
  std::vector<index_spec> indexes;
};

}  // namespace gg::transform
