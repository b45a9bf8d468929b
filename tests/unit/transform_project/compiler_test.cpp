#include "project/compiler.hpp"

#include "project/project.hpp"
#include "project_files.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using gg::test::squash;
using gg::test::temp_dir;
using gg::test::write_files;
using gg::transform::compile;
using gg::transform::compile_state;
using gg::transform::compiled_node;
using gg::transform::load_options;
using gg::transform::node;
using gg::transform::project;

namespace {

load_options no_env() {
  load_options o;
  o.env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  o.run_started_at = gg::parse_iso8601("2026-12-04T17:00:00.123456Z");
  return o;
}

project load(const temp_dir& dir, const load_options& o = no_env()) {
  auto p = project::load(dir.path(), o);
  if (!p) FAIL(p.error().message);
  return std::move(*p);
}

compiled_node compiled(const project& p, const std::string& name, const compile_state& s = {}) {
  const node* n = p.find_model(name);
  if (n == nullptr) n = p.find(name);
  REQUIRE(n != nullptr);
  auto c = compile(p, *n, s);
  if (!c) FAIL(c.error().message);
  return std::move(*c);
}

const char* minimal_project = "name: shop\nversion: '1.0'\nconfig-version: 2\n";

}  // namespace

TEST_CASE("ephemeral models are inlined as dbt's __dbt__cte__ CTEs in dependency order",
          "[unit][transform]") {
  temp_dir dir;
  write_files(
      dir.path(),
      {{"dbt_project.yml", minimal_project},
       {"models/base.sql", "select 1 as id"},
       {"models/e1.sql", "{{ config(materialized='ephemeral') }}select id from {{ ref('base') }}"},
       {"models/e2.sql", "{{ config(materialized='ephemeral') }}select id from {{ ref('e1') }}"},
       {"models/plain.sql", "select * from {{ ref('e2') }} join {{ ref('e1') }} using (id)"},
       {"models/withed.sql",
        "-- leading comment\nWITH x as (select * from {{ ref('e1') }}) select * from x"}});
  const project p = load(dir);
  CHECK(squash(compiled(p, "plain").sql) ==
        "with __dbt__cte__e1 as ( select id from \"public\".\"base\" ), __dbt__cte__e2 as ( "
        "select id from __dbt__cte__e1 ) select * from __dbt__cte__e2 join __dbt__cte__e1 using "
        "(id)");
  CHECK(squash(compiled(p, "withed").sql) ==
        "-- leading comment WITH __dbt__cte__e1 as ( select id from \"public\".\"base\" ), x as "
        "(select * from __dbt__cte__e1) select * from x");
  // The ephemeral's relation object says what it is.
  write_files(dir.path(), {{"models/plain.sql", "select '{{ ref('e1').is_cte }}'"}});
  CHECK(squash(compiled(load(dir), "plain").sql).find("'True'") != std::string::npos);
}

TEST_CASE("refs and sources with event_time are filtered to the window and render() opts out",
          "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(),
              {{"dbt_project.yml", minimal_project},
               {"models/src.yml",
                "version: 2\nsources:\n  - name: raw\n    schema: raw_data\n"
                "    tables:\n      - name: events\n"
                "        config: {event_time: loaded_at}\n"
                "      - name: plain\n"},
               {"models/up.sql",
                "{{ config(event_time='ts') }}select * from {{ source('raw', "
                "'plain') }}"},
               {"models/m.sql",
                "{{ config(materialized='incremental', incremental_strategy='microbatch', "
                "event_time='ts', begin='2026-01-01', batch_size='day') }}\n"
                "select * from {{ ref('up') }} u\n"
                "join {{ source('raw', 'events') }} e using (id)\n"
                "join {{ source('raw', 'plain') }} p using (id)\n"
                "join {{ ref('up').render() }} r using (id)"}});
  const project p = load(dir);
  compile_state s;
  s.is_incremental = true;
  s.event_time_start = gg::parse_iso8601("2026-12-01T00:00:00Z");
  s.event_time_end = gg::parse_iso8601("2026-12-02T00:00:00Z");
  const std::string sql = squash(compiled(p, "m", s).sql);
  CHECK(sql ==
        "select * from (select * from \"public\".\"up\" where \"ts\" >= "
        "'2026-12-01T00:00:00.000000Z'::timestamptz and \"ts\" < "
        "'2026-12-02T00:00:00.000000Z'::timestamptz) _dbt_et_filter_subq_up u "
        "join (select * from \"raw_data\".\"events\" where \"loaded_at\" >= "
        "'2026-12-01T00:00:00.000000Z'::timestamptz and \"loaded_at\" < "
        "'2026-12-02T00:00:00.000000Z'::timestamptz) _dbt_et_filter_subq_events e using (id) "
        "join \"raw_data\".\"plain\" p using (id) join \"public\".\"up\" r using (id)");

  compile_state lookback;
  lookback.event_time_start = gg::parse_iso8601("2026-12-01T10:30:00.5Z");
  const std::string open = squash(compiled(p, "m", lookback).sql);
  CHECK(open.find("where \"ts\" >= '2026-12-01T10:30:00.500000Z'::timestamptz) "
                  "_dbt_et_filter_subq_up") != std::string::npos);

  // Without a window nothing is filtered.
  CHECK(compiled(p, "m").sql.find("_dbt_et_filter_subq") == std::string::npos);
}

TEST_CASE("refs and sources with a load stamp keep the rows from the watermark on",
          "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(),
              {{"dbt_project.yml", minimal_project},
               {"models/src.yml",
                "version: 2\nsources:\n  - name: raw\n    schema: raw_data\n"
                "    config: {load_stamp: load_xid}\n"
                "    tables:\n      - name: events\n"},
               {"models/up.sql",
                "{{ config(materialized='incremental', load_stamp='last_xid') }}select * from "
                "{{ source('raw', 'events') }}"},
               {"models/m.sql",
                "{{ config(materialized='incremental', load_stamp='last_xid') }}\n"
                "select * from {{ ref('up') }} u\n"
                "join {{ source('raw', 'events') }} e using (id)\n"
                "join {{ ref('up').render() }} r using (id)"}});
  const project p = load(dir);
  CHECK(p.find_model("m")->config.load_stamp == "last_xid");
  compile_state s;
  s.is_incremental = true;
  s.load_stamp_from = 4711;
  CHECK(squash(compiled(p, "m", s).sql) ==
        "select * from (select * from \"public\".\"up\" where \"last_xid\" >= 4711) "
        "_dbt_et_filter_subq_up u join (select * from \"raw_data\".\"events\" where "
        "\"load_xid\" >= 4711) _dbt_et_filter_subq_events e using (id) join "
        "\"public\".\"up\" r using (id)");
  // No watermark (a full build): nothing is filtered.
  CHECK(compiled(p, "m").sql.find("_dbt_et_filter_subq") == std::string::npos);
}

TEST_CASE("is_incremental and this follow the compile state", "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(),
              {{"dbt_project.yml", minimal_project},
               {"models/inc.sql",
                "{{ config(materialized='incremental', unique_key=['a', 'b'], schema='x') }}\n"
                "select 1 as a, 2 as b\n"
                "{% if is_incremental() %}where a > (select max(a) from {{ this }}){% endif %}"}});
  const project p = load(dir);
  CHECK(squash(compiled(p, "inc").sql) == "select 1 as a, 2 as b");
  compile_state s;
  s.is_incremental = true;
  CHECK(squash(compiled(p, "inc", s).sql) ==
        "select 1 as a, 2 as b where a > (select max(a) from \"public_x\".\"inc\")");
  s.this_relation = gg::transform::relation_name{"", "public_x", "inc__dbt_tmp"};
  CHECK(squash(compiled(p, "inc", s).sql).find("\"public_x\".\"inc__dbt_tmp\"") !=
        std::string::npos);
  CHECK(p.find_model("inc")->config.unique_key == std::vector<std::string>{"a", "b"});
}

TEST_CASE("the dbt context: config.get, target, run_started_at, adapter.quote, this attributes",
          "[unit][transform]") {
  temp_dir dir;
  write_files(
      dir.path(),
      {{"dbt_project.yml", minimal_project},
       {"models/ctx.sql",
        "{{ config(materialized='table', custom='c1', tags=['t1']) }}\n"
        "{{ config(tags=['t2']) }}\n"
        "select '{{ config.get('custom') }}' as a,\n"
        "  '{{ config.get('missing', 'dflt') }}' as b,\n"
        "  '{{ config.get('materialized') }}' as c,\n"
        "  '{{ target.name }}/{{ target.schema }}/{{ target.type }}/{{ target.threads }}' as d,\n"
        "  '{{ run_started_at }}' as e,\n"
        "  '{{ run_started_at.strftime('%Y%m%d %H:%M:%S.%f') }}' as f,\n"
        "  '{{ run_started_at.isoformat() }}' as g,\n"
        "  {{ adapter.quote('Mixed\"Case') }} as h,\n"
        "  '{{ this.schema }}|{{ this.identifier }}|{{ this.name }}|{{ this.is_table }}' as i,\n"
        "  '{{ this.render() }}' as j,\n"
        "  '{{ config.require('custom') }}' as k,\n"
        "  '{{ model.unique_id }}' as l,\n"
        "  '{{ execute }}' as m"}});
  load_options o = no_env();
  o.target_name = "prod";
  o.target_schema = "analytics";
  o.threads = 4;
  const project p = load(dir, o);
  CHECK(p.find_model("ctx")->config.tags == std::vector<std::string>{"t1", "t2"});
  const std::string sql = squash(compiled(p, "ctx").sql);
  INFO(sql);
  CHECK(sql.find("'c1' as a") != std::string::npos);
  CHECK(sql.find("'dflt' as b") != std::string::npos);
  CHECK(sql.find("'table' as c") != std::string::npos);
  CHECK(sql.find("'prod/analytics/postgres/4' as d") != std::string::npos);
  CHECK(sql.find("'2026-12-04 17:00:00.123456+00:00' as e") != std::string::npos);
  CHECK(sql.find("'20261204 17:00:00.123456' as f") != std::string::npos);
  CHECK(sql.find("'2026-12-04T17:00:00.123456+00:00' as g") != std::string::npos);
  CHECK(sql.find("\"Mixed\"\"Case\" as h") != std::string::npos);
  CHECK(sql.find("'analytics|ctx|ctx|True' as i") != std::string::npos);
  CHECK(sql.find("'\"analytics\".\"ctx\"' as j") != std::string::npos);
  CHECK(sql.find("'c1' as k") != std::string::npos);
  CHECK(sql.find("'model.shop.ctx' as l") != std::string::npos);
  CHECK(sql.find("'True' as m") != std::string::npos);
}

TEST_CASE("config.require of a missing key and raise_compiler_error fail with the position",
          "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", minimal_project},
                           {"models/m.sql", "select 1\n{{ config.require('nothing') }}"}});
  auto p = project::load(dir.path(), no_env());
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().message.find("models/m.sql:2:") != std::string::npos);
  CHECK(p.error().message.find("'nothing'") != std::string::npos);

  write_files(dir.path(), {{"models/m.sql",
                            "{% if var('x', 0) == 0 %}\n"
                            "  {{ exceptions.raise_compiler_error('x must be set') }}\n"
                            "{% endif %}"}});
  p = project::load(dir.path(), no_env());
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().message.find("models/m.sql:2:") != std::string::npos);
  CHECK(p.error().message.find("x must be set") != std::string::npos);
}

TEST_CASE("pre and post hooks are rendered in the node's context", "[unit][transform]") {
  temp_dir dir;
  write_files(
      dir.path(),
      {{"dbt_project.yml", std::string(minimal_project) +
                               "models:\n  shop:\n    +post-hook: \"analyze {{ this }}\"\n"},
       {"models/m.sql",
        "{{ config(materialized='table', pre_hook=\"select 'pre {{ this.name }}'\", "
        "post_hook=[\"grant select on {{ this }} to reporter\"]) }}select 1"}});
  const project p = load(dir);
  const compiled_node c = compiled(p, "m");
  CHECK(c.pre_hooks == std::vector<std::string>{"select 'pre m'"});
  CHECK(c.post_hooks == std::vector<std::string>{"analyze \"public\".\"m\"",
                                                 "grant select on \"public\".\"m\" to reporter"});
}

TEST_CASE("generic tests compile to dbt's failing-rows SQL", "[unit][transform]") {
  auto p = project::load(gg::test::fixture_projects() / "jaffle", no_env());
  REQUIRE(p.has_value());
  CHECK(squash(compiled(*p, "test.jaffle_shop.not_null_stg_orders_order_id").sql) ==
        "select order_id from \"staging\".\"stg_orders\" where order_id is null");
  CHECK(squash(compiled(*p, "test.jaffle_shop.unique_stg_orders_order_id").sql) ==
        "select order_id as unique_field, count(*) as n_records from \"staging\".\"stg_orders\" "
        "where order_id is not null group by order_id having count(*) > 1");
  CHECK(squash(compiled(*p,
                        "test.jaffle_shop.accepted_values_stg_orders_status__placed__shipped__"
                        "completed__return_pending__returned")
                   .sql) ==
        "with all_values as ( select status as value_field, count(*) as n_records from "
        "\"staging\".\"stg_orders\" group by status ) select * from all_values where value_field "
        "not in ( 'placed','shipped','completed','return_pending','returned' )");
  // values given as "{{ var('payment_methods') }}" are the list itself, as dbt renders them.
  // dbt names the test from the arguments as written.
  CHECK(squash(compiled(*p,
                        "test.jaffle_shop.accepted_values_stg_payments_payment_method___var_"
                        "payment_methods_")
                   .sql)
            .find("'credit_card','coupon','bank_transfer','gift_card'") != std::string::npos);
  CHECK(squash(compiled(*p,
                        "test.jaffle_shop.relationships_orders_customer_id__customer_id__ref_"
                        "customers_")
                   .sql) ==
        "with child as ( select customer_id as from_field from \"analytics\".\"orders\" where "
        "customer_id is not null ), parent as ( select customer_id as to_field from "
        "\"analytics\".\"customers\" ) select from_field from child left join parent on "
        "child.from_field = parent.to_field where parent.to_field is null");
  // where config wraps the tested relation as dbt's get_where_subquery does.
  CHECK(squash(compiled(*p, "test.jaffle_shop.not_null_orders_amount").sql) ==
        "select amount from (select * from \"analytics\".\"orders\" where status != 'returned') "
        "dbt_subquery where amount is null");
  CHECK(squash(compiled(*p, "test.jaffle_shop.source_not_null_jaffle_raw_customers_id").sql) ==
        "select id from \"raw_jaffle\".\"customers\" where id is null");
  CHECK(squash(compiled(*p, "test.jaffle_shop.assert_total_payment_amount_is_positive").sql)
            .find("from \"staging\".\"stg_payments\" group by 1") != std::string::npos);
}

TEST_CASE("accepted_values quotes values safely and honours quote: false", "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", minimal_project},
                           {"models/m.sql", "select 1 as n, 'a' as s"},
                           {"models/schema.yml",
                            "version: 2\nmodels:\n  - name: m\n    columns:\n"
                            "      - name: n\n        tests:\n          - accepted_values:\n"
                            "              values: [1, 2]\n              quote: false\n"
                            "      - name: s\n        tests:\n          - accepted_values:\n"
                            "              values: [\"it's\"]\n"}});
  const project p = load(dir);
  CHECK(squash(compiled(p, "test.shop.accepted_values_m_n__False__1__2").sql)
            .find("not in ( 1,2 )") != std::string::npos);
  CHECK(squash(compiled(p, "test.shop.accepted_values_m_s__it_s").sql).find("not in ( 'it''s' )") !=
        std::string::npos);
}

TEST_CASE("store_failures makes not_null select every column, as dbt does", "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", minimal_project},
                           {"models/m.sql", "select 1 as id"},
                           {"models/schema.yml",
                            "version: 2\nmodels:\n  - name: m\n    columns:\n"
                            "      - name: id\n        tests:\n          - not_null:\n"
                            "              config: {store_failures: true}\n"}});
  const project p = load(dir);
  CHECK(squash(compiled(p, "test.shop.not_null_m_id").sql) ==
        "select * from \"public\".\"m\" where id is null");
  CHECK(p.find("test.shop.not_null_m_id")->relation.schema == "public_dbt_test__audit");
}

TEST_CASE("a project's own generic test and macro override built-ins by name",
          "[unit][transform]") {
  temp_dir dir;
  write_files(dir.path(), {{"dbt_project.yml", minimal_project},
                           {"macros/tests.sql",
                            "{% test not_null(model, column_name) %}"
                            "select 'mine' from {{ model }} where {{ column_name }} is null"
                            "{% endtest %}"},
                           {"tests/generic/positive.sql",
                            "{% test is_positive(model, column_name) %}"
                            "select * from {{ model }} where {{ column_name }} <= 0{% endtest %}"},
                           {"models/m.sql", "select 1 as id"},
                           {"models/schema.yml",
                            "version: 2\nmodels:\n  - name: m\n    columns:\n"
                            "      - name: id\n        tests: [not_null, is_positive]\n"}});
  const project p = load(dir);
  CHECK(squash(compiled(p, "test.shop.not_null_m_id").sql) ==
        "select 'mine' from \"public\".\"m\" where id is null");
  CHECK(squash(compiled(p, "test.shop.is_positive_m_id").sql) ==
        "select * from \"public\".\"m\" where id <= 0");
}

TEST_CASE("compile is safe from several threads at once", "[unit][transform]") {
  auto p = project::load(gg::test::fixture_projects() / "jaffle", no_env());
  REQUIRE(p.has_value());
  std::vector<std::string> expected;
  for (const node& n : p->nodes()) {
    if (n.kind == gg::transform::node_kind::source) continue;
    auto c = compile(*p, n);
    REQUIRE(c.has_value());
    expected.push_back(c->sql);
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        std::size_t i = 0;
        for (const node& n : p->nodes()) {
          if (n.kind == gg::transform::node_kind::source) continue;
          auto c = compile(*p, n);
          if (!c || c->sql != expected[i]) ++mismatches;
          ++i;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
}
