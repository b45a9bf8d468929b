#include "project/project.hpp"

#include "project/compiler.hpp"
#include "project_files.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <map>

using gg::test::squash;
using gg::test::temp_dir;
using gg::test::write_files;
using gg::transform::load_options;
using gg::transform::node;
using gg::transform::node_kind;
using gg::transform::project;

namespace {

load_options no_env() {
  load_options o;
  o.env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  return o;
}

std::string error_of(const gg::result<project>& r) {
  REQUIRE_FALSE(r.has_value());
  return r.error().message;
}

const char* minimal_project = "name: shop\nversion: '1.0'\nconfig-version: 2\n";

}  // namespace

TEST_CASE("the jaffle fixture loads with dbt's ids, configs and relations", "[unit][transform]") {
  auto p = project::load(gg::test::fixture_projects() / "jaffle", no_env());
  REQUIRE(p.has_value());
  CHECK(p->name() == "jaffle_shop");

  const node* stg = p->find("model.jaffle_shop.stg_orders");
  REQUIRE(stg != nullptr);
  CHECK(stg->config.materialized == "view");
  // The project overrides generate_schema_name to use the custom schema as it is.
  CHECK(stg->relation.schema == "staging");
  CHECK(stg->relation.identifier == "stg_orders");
  CHECK(stg->config.tags == std::vector<std::string>{"staging"});
  CHECK(stg->config.event_time == "loaded_at");
  CHECK(stg->depends_on == std::vector<std::string>{"source.jaffle_shop.jaffle_raw.orders"});
  CHECK(stg->fqn == std::vector<std::string>{"jaffle_shop", "staging", "stg_orders"});

  const node* orders = p->find_model("orders");
  REQUIRE(orders != nullptr);
  CHECK(orders->config.materialized == "table");
  CHECK(orders->relation.schema == "analytics");  // "{{ env_var('JAFFLE_MARTS_SCHEMA', ...) }}"
  CHECK(orders->depends_on == std::vector<std::string>{"model.jaffle_shop.int_order_payments",
                                                       "model.jaffle_shop.stg_orders"});
  REQUIRE(orders->config.indexes.size() == 1);
  CHECK(orders->config.indexes[0].columns == std::vector<std::string>{"order_id"});
  CHECK(orders->config.indexes[0].unique);

  // In-model config() beats the YAML config, which beats dbt_project.yml; tags accumulate.
  const node* events = p->find_model("order_events");
  REQUIRE(events != nullptr);
  CHECK(events->config.materialized == "incremental");
  CHECK(events->relation.schema == "events");
  CHECK(events->config.unique_key == std::vector<std::string>{"order_id"});
  CHECK(events->config.on_schema_change == "append_new_columns");
  CHECK(events->config.tags == std::vector<std::string>{"core", "incremental"});

  const node* customers = p->find_model("customers");
  REQUIRE(customers != nullptr);
  CHECK(customers->config.tags == std::vector<std::string>{"core", "pii"});
  CHECK(customers->description.find("lifetime value") != std::string::npos);

  const node* src = p->find("source.jaffle_shop.jaffle_raw.orders");
  REQUIRE(src != nullptr);
  CHECK(src->kind == node_kind::source);
  CHECK(src->relation.schema == "raw_jaffle");
  CHECK(src->relation.identifier == "orders");
  REQUIRE(src->source.has_value());
  CHECK(src->source->loaded_at_field == "loaded_at");
  REQUIRE(src->source->freshness.has_value());
  REQUIRE(src->source->freshness->warn_after.has_value());
  CHECK(src->source->freshness->warn_after->count == 12);
  CHECK(src->source->freshness->warn_after->period == "hour");
  CHECK(src->config.event_time == "loaded_at");
  const node* payments = p->find("source.jaffle_shop.jaffle_raw.payments");
  REQUIRE(payments != nullptr);
  CHECK_FALSE(payments->source->freshness.has_value());  // freshness: null

  const node* t = p->find("test.jaffle_shop.not_null_stg_orders_order_id");
  REQUIRE(t != nullptr);
  CHECK(t->kind == node_kind::test);
  REQUIRE(t->test.has_value());
  CHECK(t->test->test_name == "not_null");
  CHECK(t->test->column_name == "order_id");
  CHECK(t->test->attached_node == "model.jaffle_shop.stg_orders");
  CHECK(t->depends_on == std::vector<std::string>{"model.jaffle_shop.stg_orders"});
  CHECK(p->find("test.jaffle_shop.accepted_values_stg_orders_status__placed__shipped__completed__"
                "return_pending__returned") != nullptr);
  CHECK(p->find("test.jaffle_shop.source_unique_jaffle_raw_orders_id") != nullptr);

  const node* rel = p->find(
      "test.jaffle_shop.relationships_orders_customer_id__customer_id__ref_"
      "customers_");
  REQUIRE(rel != nullptr);
  CHECK(rel->depends_on ==
        std::vector<std::string>{"model.jaffle_shop.customers", "model.jaffle_shop.orders"});

  const node* warn = p->find("test.jaffle_shop.not_null_orders_amount");
  REQUIRE(warn != nullptr);
  CHECK(warn->config.severity == "warn");
  CHECK(warn->config.where == "status != 'returned'");

  const node* singular = p->find("test.jaffle_shop.assert_total_payment_amount_is_positive");
  REQUIRE(singular != nullptr);
  CHECK_FALSE(singular->test->generic);
  CHECK(singular->depends_on == std::vector<std::string>{"model.jaffle_shop.stg_payments"});

  // Graph order: every node after its parents.
  std::map<std::string, std::size_t> pos;
  for (std::size_t i = 0; i < p->nodes().size(); ++i) pos[p->nodes()[i].unique_id] = i;
  for (const node& n : p->nodes()) {
    for (const std::string& d : n.depends_on) CHECK(pos.at(d) < pos.at(n.unique_id));
  }
}

TEST_CASE("env_var in dbt_project.yml reads the environment given at load", "[unit][transform]") {
  load_options o;
  o.env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "JAFFLE_MARTS_SCHEMA") return std::string("marts_dev");
    return std::nullopt;
  };
  auto p = project::load(gg::test::fixture_projects() / "jaffle", o);
  REQUIRE(p.has_value());
  CHECK(p->find_model("customers")->relation.schema == "marts_dev");
}

TEST_CASE("dbt's default generate_schema_name prefixes custom schemas with the target schema",
          "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(),
              {{"dbt_project.yml", std::string(minimal_project) + "models:\n  shop:\n    staging:\n"
                                                                  "      +schema: staging\n"},
               {"models/staging/a.sql", "select 1 as x"},
               {"models/b.sql",
                "{{ config(schema=' marts ', alias='b_final') }}\n"
                "select * from {{ ref('a') }}"},
               {"models/c.sql", "select 2 as y"}});
  load_options o = no_env();
  o.target_schema = "dev";
  auto p = project::load(dir.path(), o);
  REQUIRE(p.has_value());
  CHECK(p->find_model("a")->relation.schema == "dev_staging");
  CHECK(p->find_model("b")->relation.schema == "dev_marts");  // the custom name is trimmed
  CHECK(p->find_model("b")->relation.identifier == "b_final");
  CHECK(p->find_model("c")->relation.schema == "dev");
  CHECK(p->find_model("c")->relation.render() == "\"dev\".\"c\"");
  const gg::transform::jinja::value* mat = p->find_model("c")->config.raw.find("materialized");
  REQUIRE(mat != nullptr);
  CHECK(mat->str() == "view");
}

TEST_CASE("a project's generate_schema_name receives the custom schema and the node",
          "[unit][transform]") {
  temp_dir dir;
  write_files(
      dir.path(),
      {{"dbt_project.yml", std::string(minimal_project) + "models:\n  shop:\n    +schema: base\n"},
       {"macros/schema.sql",
        "{% macro generate_schema_name(custom_schema_name, node) -%}\n"
        "  {%- if node.resource_type == 'test' -%}audit\n"
        "  {%- else -%}{{ custom_schema_name }}_{{ node.name }}_{{ node.fqn | length }}"
        "{%- endif -%}\n{%- endmacro %}"},
       {"models/sub/m.sql", "select 1 as id"},
       {"models/schema.yml",
        "version: 2\nmodels:\n  - name: m\n    columns:\n"
        "      - name: id\n        tests: [unique]\n"}});
  auto p = project::load(dir.path(), no_env());
  REQUIRE(p.has_value());
  CHECK(p->find_model("m")->relation.schema == "base_m_3");
  CHECK(p->find("test.shop.unique_m_id")->relation.schema == "audit");
}

TEST_CASE("dbt_project.yml configs nest per folder and deeper folders win", "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", std::string(minimal_project) +
                                                   "vars:\n  mat: table\n"
                                                   "models:\n"
                                                   "  +tags: everywhere\n"
                                                   "  shop:\n"
                                                   "    materialized: view\n"
                                                   "    +tags: ['shop']\n"
                                                   "    +my_custom_key: 7\n"
                                                   "    meta: {owner: data}\n"
                                                   "    quoting: {identifier: false}\n"
                                                   "    a:\n"
                                                   "      +materialized: \"{{ var('mat') }}\"\n"
                                                   "      +enabled: true\n"
                                                   "      b:\n"
                                                   "        +materialized: incremental\n"
                                                   "        +tags: ['deep']\n"
                                                   "        off:\n"
                                                   "          +enabled: false\n"},
                           {"models/a/one.sql", "select 1"},
                           {"models/a/b/two.sql", "select {{ config.get('my_custom_key') }}"},
                           {"models/a/b/off.sql", "select 3"},
                           {"models/top.sql", "select 4"}});
  auto p = project::load(dir.path(), no_env());
  REQUIRE(p.has_value());
  CHECK(p->find_model("top")->config.materialized == "view");
  CHECK(p->find_model("one")->config.materialized == "table");
  const node* two = p->find_model("two");
  REQUIRE(two != nullptr);
  CHECK(two->config.materialized == "incremental");
  CHECK(two->config.tags == std::vector<std::string>{"everywhere", "shop", "deep"});
  const gg::transform::jinja::value* custom = two->config.raw.find("my_custom_key");
  REQUIRE(custom != nullptr);
  CHECK(custom->str() == "7");
  const gg::transform::jinja::value* meta = two->config.raw.find("meta");
  REQUIRE(meta != nullptr);
  CHECK(meta->str() == "{'owner': 'data'}");
  CHECK(p->find_model("off") == nullptr);  // a model name is a level too
}

TEST_CASE("vars: project, project-scoped and --vars, and a missing var names itself",
          "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", std::string(minimal_project) +
                                                   "vars:\n  a: 1\n  b: from_project\n"
                                                   "  shop:\n    c: scoped\n"},
                           {"models/m.sql",
                            "select {{ var('a') }}, '{{ var('b') }}', "
                            "'{{ var('c') }}', '{{ var('d', 'dflt') }}'"}});
  load_options o = no_env();
  o.vars = "{b: from_cli}";
  auto p = project::load(dir.path(), o);
  REQUIRE(p.has_value());
  auto c = gg::transform::compile(*p, *p->find_model("m"));
  REQUIRE(c.has_value());
  CHECK(squash(c->sql) == "select 1, 'from_cli', 'scoped', 'dflt'");

  write_files(dir.path(), {{"models/m.sql", "select\n  {{ var('nope') }}"}});
  const std::string m = error_of(project::load(dir.path(), no_env()));
  INFO(m);
  CHECK(m.find("models/m.sql:2:") != std::string::npos);
  CHECK(m.find("'nope'") != std::string::npos);
}

TEST_CASE("env_var without a default fails when unset", "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", minimal_project},
                           {"models/m.sql", "select '{{ env_var('GG_SURELY_UNSET_VAR') }}'"}});
  const std::string m = error_of(project::load(dir.path(), no_env()));
  CHECK(m.find("models/m.sql:1:") != std::string::npos);
  CHECK(m.find("GG_SURELY_UNSET_VAR") != std::string::npos);
}

TEST_CASE("a ref to a missing model names the file, the position and a close name",
          "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", minimal_project},
                           {"models/stg_orders.sql", "select 1 as id"},
                           {"models/m.sql", "select *\nfrom {{ ref('stg_order') }}"}});
  const std::string m = error_of(project::load(dir.path(), no_env()));
  INFO(m);
  CHECK(m.find("models/m.sql:2:") != std::string::npos);
  CHECK(m.find("stg_order") != std::string::npos);
  CHECK(m.find("did you mean 'stg_orders'") != std::string::npos);
}

TEST_CASE("a source that is not declared is an error naming it", "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", minimal_project},
                           {"models/src.yml",
                            "version: 2\nsources:\n  - name: raw\n    tables:\n"
                            "      - name: events\n"},
                           {"models/m.sql", "select * from {{ source('raw', 'event') }}"}});
  const std::string m = error_of(project::load(dir.path(), no_env()));
  INFO(m);
  CHECK(m.find("models/m.sql:1:") != std::string::npos);
  CHECK(m.find("source('raw', 'event')") != std::string::npos);
  CHECK(m.find("did you mean 'raw.events'") != std::string::npos);
}

TEST_CASE("a cycle between models is an error naming the chain and files", "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", minimal_project},
                           {"models/a.sql", "select * from {{ ref('b') }}"},
                           {"models/b.sql", "select * from {{ ref('a') }}"}});
  const std::string m = error_of(project::load(dir.path(), no_env()));
  CHECK(m.find("model.shop.a (models/a.sql) -> model.shop.b (models/b.sql) -> model.shop.a") !=
        std::string::npos);
}

TEST_CASE("a ref to a disabled model is an error", "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", minimal_project},
                           {"models/a.sql", "{{ config(enabled=false) }} select 1"},
                           {"models/b.sql", "select * from {{ ref('a') }}"}});
  const std::string m = error_of(project::load(dir.path(), no_env()));
  CHECK(m.find("models/b.sql") != std::string::npos);
  CHECK(m.find("disabled") != std::string::npos);
}

TEST_CASE("typos in property files are errors at their line and column", "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", minimal_project},
                           {"models/m.sql", "select 1 as id"},
                           {"models/schema.yml",
                            "version: 2\nmodels:\n  - name: m\n"
                            "    colums:\n      - name: id\n"}});
  std::string m = error_of(project::load(dir.path(), no_env()));
  INFO(m);
  CHECK(m.find("models/schema.yml:4:5") != std::string::npos);
  CHECK(m.find("'colums'") != std::string::npos);
  CHECK(m.find("did you mean 'columns'") != std::string::npos);

  write_files(dir.path(), {{"models/schema.yml",
                            "version: 2\nmodels:\n  - name: m\n"
                            "    columns:\n      - name: id\n"
                            "        tests:\n          - uniqe\n"}});
  m = error_of(project::load(dir.path(), no_env()));
  CHECK(m.find("models/schema.yml:7:13") != std::string::npos);
  CHECK(m.find("did you mean 'unique'") != std::string::npos);

  write_files(dir.path(), {{"models/schema.yml",
                            "version: 2\nsources:\n  - name: raw\n"
                            "    tables:\n      - name: t\n"
                            "        freshness:\n"
                            "          warn_after: {count: 1, period: week}\n"}});
  m = error_of(project::load(dir.path(), no_env()));
  CHECK(m.find("models/schema.yml:7:") != std::string::npos);
  CHECK(m.find("period") != std::string::npos);

  write_files(dir.path(), {{"models/schema.yml",
                            "version: 2\nmodels:\n  - name: m\n"
                            "    config: {materialized: [oops\n"}});
  m = error_of(project::load(dir.path(), no_env()));
  CHECK(m.find("models/schema.yml:") != std::string::npos);
  CHECK(m.find("invalid YAML") != std::string::npos);
}

TEST_CASE("unknown keys in dbt_project.yml and unsupported features are errors",
          "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(),
              {{"dbt_project.yml", std::string(minimal_project) + "modle-paths: [x]\n"}});
  std::string m = error_of(project::load(dir.path(), no_env()));
  CHECK(m.find("dbt_project.yml:4:1") != std::string::npos);
  CHECK(m.find("did you mean 'model-paths'") != std::string::npos);

  write_files(dir.path(),
              {{"dbt_project.yml", std::string(minimal_project) + "on-run-start: ['select 1']\n"}});
  m = error_of(project::load(dir.path(), no_env()));
  CHECK(m.find("on-run-start") != std::string::npos);

  write_files(dir.path(), {{"dbt_project.yml", minimal_project},
                           {"models/m.sql", "{{ config(materialized='snapshot') }} select 1"}});
  m = error_of(project::load(dir.path(), no_env()));
  CHECK(m.find("models/m.sql") != std::string::npos);
  CHECK(m.find("materialized='snapshot'") != std::string::npos);

  write_files(dir.path(), {{"models/m.sql", "select * from {{ ref('m2', v=2) }}"},
                           {"models/m2.sql", "select 1"}});
  m = error_of(project::load(dir.path(), no_env()));
  CHECK(m.find("models/m.sql:1:") != std::string::npos);
  CHECK(m.find("versioned") != std::string::npos);

  write_files(dir.path(), {{"models/m.sql", "{% set r = run_query('select 1') %} select 1"}});
  m = error_of(project::load(dir.path(), no_env()));
  CHECK(m.find("run_query") != std::string::npos);
  CHECK(m.find("not supported") != std::string::npos);
}

TEST_CASE("YAML values holding Jinja are rendered as dbt renders them", "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", std::string(minimal_project) +
                                                   "vars:\n  raw_schema: raw_data\n  on: false\n"
                                                   "models:\n  shop:\n"
                                                   "    +schema: \"{{ target.schema }}_x\"\n"
                                                   "    +full_refresh: \"{{ var('on') }}\"\n"},
                           {"models/src.yml",
                            "version: 2\nsources:\n  - name: raw\n"
                            "    schema: \"{{ var('raw_schema') }}\"\n"
                            "    tables:\n      - name: events\n"
                            "        identifier: \"{{ env_var('TABLE', 'page_views') }}\"\n"},
                           {"models/m.sql", "select * from {{ source('raw', 'events') }}"}});
  load_options o = no_env();
  o.target_schema = "tgt";
  auto p = project::load(dir.path(), o);
  REQUIRE(p.has_value());
  const node* src = p->find("source.shop.raw.events");
  REQUIRE(src != nullptr);
  CHECK(src->relation.render() == "\"raw_data\".\"page_views\"");
  const node* m = p->find_model("m");
  CHECK(m->relation.schema == "tgt_tgt_x");
  CHECK(m->config.full_refresh == std::optional<bool>(false));
}

TEST_CASE("a model's -- depends_on comment records a dependency the model never selects from",
          "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(),
              {{"dbt_project.yml", minimal_project},
               {"models/a.sql", "select 1 as id"},
               {"models/hidden.sql",
                "-- depends_on: {{ ref('a') }}\n"
                "{{ config(materialized='incremental') }}\n"
                "select 1 as id\n"
                "{% if is_incremental() %} union all select * from {{ ref('a') }} {% endif %}"},
               {"models/missing.sql",
                "{{ config(materialized='incremental') }}\nselect 1 as id\n"
                "{% if is_incremental() %} union all select * from {{ ref('a') }} {% endif %}"}});
  auto p = project::load(dir.path(), no_env());
  REQUIRE(p.has_value());
  CHECK(p->find_model("hidden")->depends_on == std::vector<std::string>{"model.shop.a"});
  CHECK(p->find_model("missing")->depends_on.empty());

  gg::transform::compile_state inc;
  inc.is_incremental = true;
  auto ok = gg::transform::compile(*p, *p->find_model("hidden"), inc);
  REQUIRE(ok.has_value());
  CHECK(ok->sql.find("union all select * from \"public\".\"a\"") != std::string::npos);
  // dbt's rule: a ref not seen at parse time is an error at compile time, with the fix.
  auto bad = gg::transform::compile(*p, *p->find_model("missing"), inc);
  REQUIRE_FALSE(bad.has_value());
  INFO(bad.error().message);
  CHECK(bad.error().message.find("models/missing.sql:3:") != std::string::npos);
  CHECK(bad.error().message.find("depends_on") != std::string::npos);
}

TEST_CASE("generic tests accept every form dbt accepts", "[unit][transform]") {
  temp_dir dir;
  write_files(
      dir.path(),
      {{"dbt_project.yml", std::string(minimal_project) + "data_tests:\n  +store_failures: true\n"},
       {"models/a.sql", "select 1 as id, 'x' as kind"},
       {"models/b.sql", "select 1 as id, 1 as a_id"},
       {"models/schema.yml",
        "version: 2\nmodels:\n"
        "  - name: a\n"
        "    data_tests:\n"
        "      - unique:\n          column_name: id\n          name: a_id_is_unique\n"
        "    columns:\n"
        "      - name: kind\n"
        "        tests:\n"
        "          - accepted_values:\n"
        "              values: [x, y]\n"
        "              severity: warn\n"
        "              limit: 5\n"
        "              config:\n                where: \"id > 0\"\n"
        "                tags: [checks]\n"
        "          - name: kind_is_not_null\n"
        "            test_name: not_null\n"
        "            config: {error_if: '>10', warn_if: '>2'}\n"
        "  - name: b\n"
        "    columns:\n"
        "      - name: a_id\n"
        "        data_tests:\n"
        "          - relationships:\n"
        "              arguments:\n"
        "                to: ref('a')\n"
        "                field: id\n"}});
  auto p = project::load(dir.path(), no_env());
  REQUIRE(p.has_value());
  const node* u = p->find("test.shop.a_id_is_unique");
  REQUIRE(u != nullptr);
  CHECK(u->test->column_name == "id");
  CHECK(u->config.store_failures);
  const node* av = p->find("test.shop.accepted_values_a_kind__x__y");
  REQUIRE(av != nullptr);
  CHECK(av->config.severity == "warn");
  CHECK(av->config.limit == 5);
  CHECK(av->config.where == "id > 0");
  CHECK(av->config.tags == std::vector<std::string>{"checks"});
  const node* nn = p->find("test.shop.kind_is_not_null");
  REQUIRE(nn != nullptr);
  CHECK(nn->config.error_if == ">10");
  CHECK(nn->config.warn_if == ">2");
  const node* rel = p->find("test.shop.relationships_b_a_id__id__ref_a_");
  REQUIRE(rel != nullptr);
  CHECK(rel->depends_on == std::vector<std::string>{"model.shop.a", "model.shop.b"});
}

TEST_CASE("a long generic test name is shortened with a hash, deterministically",
          "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(),
              {{"dbt_project.yml", minimal_project},
               {"models/a_model_with_a_rather_long_name.sql", "select 1 as some_long_column_name"},
               {"models/schema.yml",
                "version: 2\nmodels:\n  - name: a_model_with_a_rather_long_name\n"
                "    columns:\n      - name: some_long_column_name\n"
                "        tests:\n          - accepted_values:\n"
                "              values: [first_value, second_value, third_value]\n"}});
  auto p1 = project::load(dir.path(), no_env());
  auto p2 = project::load(dir.path(), no_env());
  REQUIRE(p1.has_value());
  REQUIRE(p2.has_value());
  const std::string id =
      "test.shop.accepted_values_a_model_with_a_rather_long_name_some_long_column_name__first_"
      "value__second_value__third_value";
  const node* t1 = p1->find(id);
  const node* t2 = p2->find(id);
  REQUIRE(t1 != nullptr);
  REQUIRE(t2 != nullptr);
  CHECK(t1->relation.identifier == t2->relation.identifier);
  CHECK(t1->relation.identifier.starts_with("accepted_values_a_model_with_a_"));
  CHECK(t1->relation.identifier.size() == 30 + 1 + 16);
}

TEST_CASE("the retract strategy and its retract_key, a string or a list, are read from config",
          "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", minimal_project},
                           {"models/one.sql",
                            "{{ config(materialized='incremental', incremental_strategy='retract', "
                            "retract_key='visitor_id', unique_key=['day', 'path']) }} select 1"},
                           {"models/two.sql",
                            "{{ config(materialized='incremental', incremental_strategy='retract', "
                            "retract_key=['user_id', 'day'], unique_key='day') }} select 1"}});
  auto p = project::load(dir.path(), no_env());
  REQUIRE(p.has_value());
  const node* one = p->find_model("one");
  REQUIRE(one != nullptr);
  CHECK(one->config.incremental_strategy == std::optional<std::string>("retract"));
  CHECK(one->config.retract_key == std::vector<std::string>{"visitor_id"});
  CHECK(one->config.unique_key == std::vector<std::string>{"day", "path"});
  CHECK(p->find_model("two")->config.retract_key == std::vector<std::string>{"user_id", "day"});
}
