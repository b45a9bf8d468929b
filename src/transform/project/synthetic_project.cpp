#include "project/synthetic_project.hpp"

#include <fmt/format.h>

#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace gg::transform {
namespace fs = std::filesystem;

namespace {

gg::status write_file(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    return gg::fail(errc::io,
                    fmt::format("mkdir {}: {}", path.parent_path().string(), ec.message()));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return gg::fail(errc::io, fmt::format("write {}: failed", path.string()));
  return {};
}

}  // namespace

gg::status write_synthetic_project(const fs::path& dir, std::size_t models, std::uint64_t seed) {
  // std::mt19937_64 is specified bit for bit, so a (models, seed) pair gives the same project on
  // every platform.
  std::mt19937_64 rng(seed);
  const std::size_t staging = std::max<std::size_t>(1, models / 5);
  const std::size_t rest = models > staging ? models - staging : 0;

  const std::string project_yml = R"(name: synth
version: '1.0'
config-version: 2
profile: synth
vars:
  reporting_tz: UTC
models:
  synth:
    +materialized: view
    staging:
      +schema: staging
      +tags: ['staging']
    intermediate:
      +materialized: ephemeral
    marts:
      +materialized: table
      +schema: "{{ env_var('SYNTH_MARTS_SCHEMA', 'marts') }}"
      +tags: ['marts']
)";
  if (auto s = write_file(dir / "dbt_project.yml", project_yml); !s) return s;

  const std::string macro = R"({% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}

{% macro cents_to_units(column) -%}
  ({{ column }} / 100.0)::numeric(12, 2)
{%- endmacro %}
)";
  if (auto s = write_file(dir / "macros" / "naming.sql", macro); !s) return s;

  std::string sources = R"(version: 2
sources:
  - name: raw
    schema: raw_data
    loaded_at_field: loaded_at
    freshness:
      warn_after: {count: 2, period: hour}
    tables:
)";
  const std::size_t tables = 5;
  for (std::size_t t = 0; t < tables; ++t) {
    sources += fmt::format(
        "      - name: events_{}\n        config:\n          event_time: loaded_at\n"
        "        columns:\n          - name: event_id\n            data_tests: [unique, "
        "not_null]\n",
        t);
  }
  if (auto s = write_file(dir / "models" / "sources.yml", sources); !s) return s;

  std::vector<std::string> names;
  std::string staging_yml = "version: 2\nmodels:\n";
  for (std::size_t i = 0; i < staging; ++i) {
    const std::string name = fmt::format("stg_model_{:04d}", i);
    const std::string sql = fmt::format(
        R"({{{{ config(event_time='loaded_at') }}}}
select
    event_id,
    user_id,
    {{{{ cents_to_units('amount_cents') }}}} as amount,
    loaded_at,
    (occurred_at at time zone '{{{{ var("reporting_tz") }}}}')::date as event_date
from {{{{ source('raw', 'events_{}') }}}}
where kind = 'kind_{}'
)",
        i % tables, i);
    if (auto s = write_file(dir / "models" / "staging" / (name + ".sql"), sql); !s) return s;
    staging_yml += fmt::format(
        "  - name: {}\n    description: staging model {}\n    columns:\n      - name: event_id\n"
        "        data_tests:\n          - unique\n          - not_null\n      - name: amount\n"
        "        data_tests:\n          - not_null:\n              config:\n                "
        "severity: warn\n",
        name, i);
    names.push_back(name);
  }
  if (auto s = write_file(dir / "models" / "staging" / "staging.yml", staging_yml); !s) return s;

  std::string marts_yml = "version: 2\nmodels:\n";
  for (std::size_t i = 0; i < rest; ++i) {
    const bool ephemeral = i % 7 == 3;
    const bool incremental = !ephemeral && i % 3 == 0;
    const std::string folder = ephemeral ? "intermediate" : "marts";
    const std::string name = fmt::format("{}_model_{:04d}", ephemeral ? "int" : "mart", i);
    const std::size_t refs = 1 + rng() % 3;
    std::vector<std::string> parents;
    for (std::size_t r = 0; r < refs; ++r) {
      // Lean towards recent models so the graph is deep as well as wide.
      const std::size_t span = std::min<std::size_t>(names.size(), 40);
      const std::string& pick = names[names.size() - 1 - rng() % span];
      if (std::find(parents.begin(), parents.end(), pick) == parents.end()) parents.push_back(pick);
    }
    std::string sql;
    if (incremental) {
      sql +=
          "{{ config(materialized='incremental', unique_key='event_id', "
          "incremental_strategy='delete+insert', on_schema_change='append_new_columns') }}\n";
    }
    sql += "with\n";
    for (std::size_t r = 0; r < parents.size(); ++r) {
      sql += fmt::format("p{} as (select * from {{{{ ref('{}') }}}}){}\n", r, parents[r],
                         r + 1 < parents.size() ? "," : "");
    }
    sql += "select p0.event_id, p0.user_id, p0.loaded_at, p0.event_date,\n";
    sql += "    coalesce(p0.amount, 0)";
    for (std::size_t r = 1; r < parents.size(); ++r)
      sql += fmt::format(" + coalesce(p{}.amount, 0)", r);
    sql += " as amount\nfrom p0\n";
    for (std::size_t r = 1; r < parents.size(); ++r) {
      sql += fmt::format("left join p{0} on p{0}.event_id = p0.event_id\n", r);
    }
    if (incremental) {
      sql +=
          "{% if is_incremental() %}\nwhere p0.loaded_at > (select max(loaded_at) from {{ this "
          "}})\n"
          "{% endif %}\n";
    }
    if (auto s = write_file(dir / "models" / folder / (name + ".sql"), sql); !s) return s;
    if (!ephemeral) {
      marts_yml += fmt::format(
          "  - name: {}\n    config:\n      tags: ['generated']\n    columns:\n"
          "      - name: event_id\n        data_tests: [not_null]\n",
          name);
    }
    names.push_back(name);
  }
  if (rest > 0) {
    if (auto s = write_file(dir / "models" / "marts" / "marts.yml", marts_yml); !s) return s;
  }
  return write_file(
      dir / "tests" / "assert_no_negative_amounts.sql",
      fmt::format("select * from {{{{ ref('{}') }}}} where amount < 0\n", names.back()));
}

}  // namespace gg::transform
