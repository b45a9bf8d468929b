// transform::run(): the project loaded and selected, its nodes turned into executable steps
// (materialize a model, run a data test, check a source's freshness), executed in DAG order,
// and the results written and stored.

#include <gadgetgrove/transform/runner.hpp>

#include "data_test.hpp"
#include "freshness.hpp"
#include "graph_executor.hpp"
#include "materializer.hpp"
#include "project/compiler.hpp"
#include "project/project.hpp"
#include "project/selector.hpp"
#include "run_artifacts.hpp"

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/uuid.hpp>

#include <fmt/format.h>

#include <map>
#include <memory>
#include <set>
#include <unordered_map>

namespace gg::transform {

namespace {

constexpr logger log{"transform"};

// The advisory lock key that serialises runs on one database ("gg_trans" in ASCII).
constexpr std::int64_t run_lock_key = 0x67675f7472616e73;

node_status failed_status(const error& e) {
  return e.code == errc::cancelled ? node_status::cancelled : node_status::error;
}

result<batch_size> parse_batch_size(const node& n) {
  const std::string size = n.config.batch_size.value_or("day");
  if (size == "hour") return batch_size::hour;
  if (size == "day") return batch_size::day;
  if (size == "month") return batch_size::month;
  if (size == "year") return batch_size::year;
  return error{errc::config, fmt::format("{}: batch_size '{}' is not one of hour, day, month, year",
                                         n.original_file_path, size)};
}

// The typed model settings the materializer acts on, from the node's resolved config.
result<model_spec> spec_of(const node& n) {
  model_spec s;
  s.unique_id = n.unique_id;
  s.path = n.original_file_path;
  s.relation = n.relation;
  s.materialized = n.config.materialized;
  s.incremental_strategy = n.config.incremental_strategy.value_or("");
  s.unique_key = n.config.unique_key;
  s.retract_key = n.config.retract_key;
  s.incremental_predicates = n.config.incremental_predicates;
  s.on_schema_change = n.config.on_schema_change;
  s.full_refresh = n.config.full_refresh;
  s.event_time = n.config.event_time.value_or("");
  if (n.config.begin) {
    auto begin = parse_iso8601(*n.config.begin);
    if (!begin) {
      return error{errc::config, fmt::format("{}: begin '{}' is not a date or timestamp",
                                             n.original_file_path, *n.config.begin)};
    }
    s.begin = *begin;
  }
  auto size = parse_batch_size(n);
  if (!size) return size.error();
  s.batch = *size;
  s.lookback = static_cast<int>(n.config.lookback);
  s.lookback_window = n.config.lookback_window.value_or("");
  s.load_stamp = n.config.load_stamp.value_or("");
  for (const auto& ix : n.config.indexes)
    s.indexes.push_back(index_spec{ix.columns, ix.unique, ix.type});
  return s;
}

node_result run_model(statement_runner& stmt, std::shared_ptr<const project> p, const node& n,
                      const materialize_options& mo) {
  node_result r;
  auto spec = spec_of(n);
  if (!spec) {
    r.status = node_status::error;
    r.message = spec.error().message;
    return r;
  }
  if (!spec->load_stamp.empty()) {
    for (const auto& id : n.depends_on) {
      const node* parent = p->find(id);
      if (parent == nullptr || !parent->config.load_stamp) continue;
      spec->stamped_inputs.push_back(stamped_input{parent->relation, *parent->config.load_stamp,
                                                   parent->kind == node_kind::model});
    }
  }
  compile_fn compile = [&](const compile_request& req) -> result<compiled_sql> {
    compile_state state;
    state.is_incremental = req.is_incremental;
    if (req.window) {
      state.event_time_start = req.window->start;
      state.event_time_end = req.window->end;
    }
    state.load_stamp_from = req.load_stamp_from;
    auto c = transform::compile(*p, n, state);
    if (!c) return c.error();
    return compiled_sql{std::move(c->sql), std::move(c->pre_hooks), std::move(c->post_hooks)};
  };
  auto out = materialize(stmt, *spec, compile, mo);
  if (!out) {
    r.status = failed_status(out.error());
    r.message = out.error().message;
    return r;
  }
  r.rows_affected = out->rows;
  r.adapter_message = out->adapter_message;
  if (!out->partial_failure.empty()) {
    r.status = node_status::error;
    r.message = out->partial_failure;
  } else {
    r.status = node_status::success;
  }
  return r;
}

node_result run_test(statement_runner& stmt, std::shared_ptr<const project> p, const node& n) {
  node_result r;
  if (n.test) {
    r.tested_node = n.test->attached_node;
    r.tested_column = n.test->column_name.value_or("");
  }
  auto compiled = transform::compile(*p, n, compile_state{});
  if (!compiled) {
    r.status = node_status::error;
    r.message = compiled.error().message;
    return r;
  }
  test_spec t;
  t.unique_id = n.unique_id;
  t.path = n.original_file_path;
  t.sql = compiled->sql;
  t.severity = n.config.severity;
  t.warn_if = n.config.warn_if;
  t.error_if = n.config.error_if;
  t.limit = n.config.limit;
  t.store_failures = n.config.store_failures;
  t.audit_relation = n.relation;
  auto out = run_data_test(stmt, t);
  if (!out) {
    r.status = failed_status(out.error());
    r.message = out.error().message;
    return r;
  }
  r.status = out->status;
  r.failures = out->failures;
  r.message = out->message;
  return r;
}

result<std::optional<double>> threshold_seconds(const std::optional<freshness_threshold>& t) {
  if (!t) return std::optional<double>{};
  auto s = freshness_seconds(t->count, t->period);
  if (!s) return s.error();
  return std::optional<double>{*s};
}

node_result run_freshness(statement_runner& stmt, const node& n) {
  node_result r;
  freshness_spec f;
  f.unique_id = n.unique_id;
  f.relation = n.relation;
  f.loaded_at_field = n.source->loaded_at_field.value_or("");
  f.filter = n.source->freshness->filter;
  auto warn = threshold_seconds(n.source->freshness->warn_after);
  auto err = threshold_seconds(n.source->freshness->error_after);
  if (!warn || !err) {
    r.status = node_status::error;
    r.message = n.unique_id + ": " + (!warn ? warn.error().message : err.error().message);
    return r;
  }
  f.warn_after_seconds = *warn;
  f.error_after_seconds = *err;
  auto out = check_freshness(stmt, f);
  if (!out) {
    r.status = failed_status(out.error());
    r.message = out.error().message;
    return r;
  }
  r.status = out->status;
  r.max_loaded_at = out->max_loaded_at;
  r.age_seconds = out->age_seconds;
  r.message = out->message;
  return r;
}

bool executes(const node& n, run_command c) {
  switch (c) {
    case run_command::run:
      return n.kind == node_kind::model && n.config.materialized != "ephemeral";
    case run_command::test:
      return n.kind == node_kind::test;
    case run_command::build:
      return (n.kind == node_kind::model && n.config.materialized != "ephemeral") ||
             n.kind == node_kind::test;
    case run_command::freshness:
      return n.kind == node_kind::source && n.source && n.source->freshness &&
             n.source->loaded_at_field &&
             (n.source->freshness->warn_after || n.source->freshness->error_after);
  }
  return false;
}

}  // namespace

result<run_summary> run(const run_options& o) {
  run_summary summary;
  summary.run_id = uuid_v7();
  summary.command = o.command;
  summary.started = now_us();
  const auto t0 = std::chrono::steady_clock::now();

  load_options lo;
  lo.vars = o.vars;
  lo.target_name = o.target_name;
  lo.target_schema = o.target_schema;
  lo.threads = static_cast<int>(o.threads);
  lo.run_started_at = summary.started;
  auto loaded = project::load(o.project_dir, lo);
  if (!loaded) return loaded.error();
  auto p = std::make_shared<const project>(std::move(*loaded));

  selection sel;
  sel.select = o.select;
  sel.exclude = o.exclude;
  sel.indirect_tests = o.command != run_command::run;
  auto ids = select(*p, sel);
  if (!ids) return ids.error();

  std::vector<const node*> chosen;
  std::set<std::string> chosen_ids;
  for (const auto& id : *ids) {
    const node* n = p->find(id);
    if (n != nullptr && executes(*n, o.command)) {
      chosen.push_back(n);
      chosen_ids.insert(id);
    }
  }

  // Parents among the executed nodes; unselected upstream nodes are taken as built (as dbt
  // does) and ephemeral models are looked through to their own parents.
  std::map<std::string, std::vector<std::string>> tests_of;  // model id -> its tests (build)
  if (o.command == run_command::build) {
    for (const node* n : chosen) {
      if (n->kind != node_kind::test) continue;
      for (const auto& d : n->depends_on) tests_of[d].push_back(n->unique_id);
    }
  }
  std::map<std::string, std::set<std::string>> parents_of;
  for (const node* n : chosen) {
    auto& parents = parents_of[n->unique_id];
    // dbt's rule for build: a model waits for a test of its parent only when everything that
    // test reads is upstream of the model (a relationships test reading this model too would
    // otherwise make a cycle).
    std::set<std::string> ancestors;
    if (n->kind == node_kind::model && !tests_of.empty()) {
      for (auto& a : p->graph().ancestors(n->unique_id)) ancestors.insert(std::move(a));
    }
    auto upstream_test = [&](const std::string& test_id) {
      const node* t = p->find(test_id);
      if (t == nullptr) return false;
      for (const auto& d : t->depends_on) {
        if (ancestors.count(d) == 0) return false;
      }
      return true;
    };
    std::vector<std::string> pending(n->depends_on.begin(), n->depends_on.end());
    std::set<std::string> seen;
    while (!pending.empty()) {
      const std::string d = pending.back();
      pending.pop_back();
      if (!seen.insert(d).second) continue;
      if (chosen_ids.count(d) != 0) {
        parents.insert(d);
        // In build, a model waits for the tests of its parents: a failed test skips it.
        if (n->kind == node_kind::model) {
          for (const auto& t : tests_of[d]) {
            if (upstream_test(t)) parents.insert(t);
          }
        }
        continue;
      }
      const node* dn = p->find(d);
      if (dn != nullptr && dn->kind == node_kind::model && dn->config.materialized == "ephemeral") {
        pending.insert(pending.end(), dn->depends_on.begin(), dn->depends_on.end());
      }
    }
  }
  // The extra test edges can put a test before a model that the graph order placed earlier:
  // order again (Kahn), keeping the graph order among the nodes that are ready.
  std::vector<const node*> ordered;
  {
    std::map<std::string, std::size_t> position, waiting;
    std::map<std::string, std::vector<std::string>> children;
    for (std::size_t i = 0; i < chosen.size(); ++i) position[chosen[i]->unique_id] = i;
    for (const auto& [id, parents] : parents_of) {
      waiting[id] = parents.size();
      for (const auto& parent : parents) children[parent].push_back(id);
    }
    std::set<std::size_t> ready;
    for (std::size_t i = 0; i < chosen.size(); ++i) {
      if (waiting[chosen[i]->unique_id] == 0) ready.insert(i);
    }
    while (!ready.empty()) {
      const std::size_t i = *ready.begin();
      ready.erase(ready.begin());
      ordered.push_back(chosen[i]);
      for (const auto& c : children[chosen[i]->unique_id]) {
        if (--waiting[c] == 0) ready.insert(position[c]);
      }
    }
    if (ordered.size() != chosen.size()) {
      return error{errc::internal, "the selected nodes and their tests form a cycle"};
    }
  }

  std::unordered_map<std::string, std::size_t> index;
  std::vector<exec_node> nodes;
  nodes.reserve(ordered.size());
  materialize_options mo;
  mo.full_refresh = o.full_refresh;
  mo.event_time_start = o.event_time_start;
  mo.event_time_end = o.event_time_end;
  mo.now = summary.started;
  std::set<std::string> schemas;
  for (const node* n : ordered) {
    exec_node e;
    e.unique_id = n->unique_id;
    e.resource_type = std::string(to_string(n->kind));
    e.name = n->name;
    for (const auto& parent : parents_of[n->unique_id]) e.parents.push_back(index.at(parent));
    if (n->kind == node_kind::model) {
      e.relation = n->relation.render();
      e.materialization = n->config.materialized;
      schemas.insert(n->relation.schema);
      e.execute = [p, n, mo](statement_runner& stmt) { return run_model(stmt, p, *n, mo); };
    } else if (n->kind == node_kind::test) {
      e.execute = [p, n](statement_runner& stmt) { return run_test(stmt, p, *n); };
    } else {
      e.relation = n->relation.render();
      e.execute = [n](statement_runner& stmt) { return run_freshness(stmt, *n); };
    }
    index[n->unique_id] = nodes.size();
    nodes.push_back(std::move(e));
  }

  auto setup = pg::connection::open(o.conninfo);
  if (!setup) return setup.error();
  {
    statement_runner stmt(*setup, o.stop);
    // One run at a time per database, across processes (serve's periodic run and a CLI run
    // would otherwise build the same relations at once): a session advisory lock held by this
    // connection until the run is stored. A second run waits; a stop request ends the wait.
    auto locked = stmt.exec("select pg_try_advisory_lock($1)", run_lock_key);
    if (!locked) return locked.error();
    if (locked->get(0, 0) != "t") {
      log.info("waiting for another transformation run on this database to finish");
      if (auto r = stmt.exec("select pg_advisory_lock($1)", run_lock_key); !r) return r.error();
    }
    // Schemas are created once, before the workers start, so they never race to create one.
    for (const auto& s : schemas) {
      if (s.empty()) continue;
      if (auto st = ensure_schema(stmt, s); !st) return st.error();
    }
  }

  executor_options eo;
  eo.conninfo = o.conninfo;
  eo.threads = std::max(1u, o.threads);
  eo.fail_fast = o.fail_fast;
  eo.stop = o.stop;
  eo.on_done = o.on_node_done;
  auto results = execute_graph(std::move(nodes), eo);
  if (!results) return results.error();
  summary.results = std::move(*results);
  summary.cancelled = o.stop.stop_requested();
  summary.elapsed =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);

  if (!setup->is_open()) {
    auto again = pg::connection::open(o.conninfo);
    if (again) setup = std::move(again);
  }
  if (auto st = store_run(*setup, summary, o, p->name()); !st) {
    // The run itself happened; losing its history row is reported, not turned into a failure.
    log.warn("storing the run's results failed",
             {{"run_id", summary.run_id.to_string()}, {"error", st.error().message}});
  }
  if (o.target_path) {
    const std::string name =
        o.command == run_command::freshness ? "sources.json" : "run_results.json";
    const std::string text =
        o.command == run_command::freshness ? sources_json(summary) : run_results_json(summary, o);
    if (auto st = write_artifact(*o.target_path, name, text); !st) return st.error();
  }
  return summary;
}

}  // namespace gg::transform
