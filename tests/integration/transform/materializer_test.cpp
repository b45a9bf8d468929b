#include "materializer.hpp"

#include "catalog.hpp"
#include "transform_test_support.hpp"

#include <gadgetgrove/core/time.hpp>

#include <catch2/catch.hpp>

#include <pg_fixture.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

namespace {

using namespace gg::transform;
using namespace gg::transform::test;
using namespace std::chrono_literals;

struct fixture {
  gg::test::pg_database db{gg::test::pg_database::schema::migrated};
  gg::pg::connection conn = db.connect();
  std::stop_source stop;
  statement_runner stmt{conn, stop.get_token()};
  materialize_options options;

  fixture() { options.now = gg::now_us(); }

  materialize_outcome build(const model_spec& spec, const compile_fn& compile) {
    auto r = materialize(stmt, spec, compile, options);
    if (!r) FAIL(spec.unique_id << ": " << r.error().message);
    return *r;
  }
};

gg::sys_us at(const char* iso) {
  auto t = gg::parse_iso8601(iso);
  REQUIRE(t);
  return *t;
}

TEST_CASE("a view is created, replaced in place, and replaces a table in its way",
          "[integration][transform]") {
  fixture f;
  auto spec = model("v", "view");
  f.build(spec, fixed_sql("select 1 as a"));
  CHECK(describe_relation(f.conn, spec.relation).value() == relation_kind::view);
  CHECK(scalar(f.conn, "select a from analytics.v") == 1);
  // A dependent view survives an in-place replacement.
  exec(f.conn, "create view analytics.dependent as select a from analytics.v");
  f.build(spec, fixed_sql("select 2 as a"));
  CHECK(scalar(f.conn, "select a from analytics.dependent") == 2);
  // Dropping a column cannot be done in place: the view is swapped instead.
  f.build(spec, fixed_sql("select 3 as b"));
  CHECK(scalar(f.conn, "select b from analytics.v") == 3);
  exec(f.conn, "drop view analytics.v; create table analytics.v as select 9 as z");
  f.build(spec, fixed_sql("select 4 as a"));
  CHECK(describe_relation(f.conn, spec.relation).value() == relation_kind::view);
  CHECK(scalar(f.conn, "select a from analytics.v") == 4);
  CHECK(describe_relation(f.conn, relation_name{"", "analytics", "v__dbt_tmp"}).value() ==
        relation_kind::none);
  CHECK(describe_relation(f.conn, relation_name{"", "analytics", "v__dbt_backup"}).value() ==
        relation_kind::none);
}

TEST_CASE("a table is built under a temporary name and swapped in, replacing a view",
          "[integration][transform]") {
  fixture f;
  auto spec = model("t", "table");
  auto out = f.build(spec, fixed_sql("select g as id from generate_series(1, 5) g"));
  CHECK(out.rows == 5u);
  CHECK(out.adapter_message == "SELECT 5");
  CHECK(scalar(f.conn, "select count(*) from analytics.t") == 5);
  f.build(spec, fixed_sql("select g as id from generate_series(1, 7) g"));
  CHECK(scalar(f.conn, "select count(*) from analytics.t") == 7);
  exec(f.conn, "drop table analytics.t; create view analytics.t as select 1 as id");
  f.build(spec, fixed_sql("select 42 as id"));
  CHECK(describe_relation(f.conn, spec.relation).value() == relation_kind::table);
  CHECK(scalar(f.conn, "select id from analytics.t") == 42);
}

TEST_CASE("a concurrent reader never sees a swapped table missing, empty or half built",
          "[integration][transform]") {
  fixture f;
  auto spec = model("swapped", "table");
  const std::string sql = "select g as id, md5(g::text) as h from generate_series(1, 20000) g";
  f.build(spec, fixed_sql(sql));
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::string reader_failure;
  std::thread reader([&] {
    auto c = f.db.connect();
    while (!done.load()) {
      auto r = c.exec("select count(*) from analytics.swapped");
      if (!r) {
        reader_failure = r.error().message;
        return;
      }
      if (r->get(0, 0) != "20000") {
        reader_failure = "saw " + std::string(r->get(0, 0)) + " rows";
        return;
      }
      ++reads;
    }
  });
  for (int i = 0; i < 15 && reader_failure.empty(); ++i) f.build(spec, fixed_sql(sql));
  done = true;
  reader.join();
  INFO("reads: " << reads.load());
  CHECK(reader_failure.empty());
  CHECK(reads.load() > 0);
}

TEST_CASE("incremental models append, or replace rows by unique_key with delete+insert and merge",
          "[integration][transform]") {
  fixture f;
  exec(f.conn,
       "create table raw_data.src (id int, k2 int, v text); insert into raw_data.src values "
       "(1, 1, 'a'), (2, 1, 'b')");
  std::vector<bool> seen_incremental;
  auto compile = [&](const compile_request& req) -> gg::result<compiled_sql> {
    seen_incremental.push_back(req.is_incremental);
    return compiled_sql{"select id, k2, v from raw_data.src", {}, {}};
  };

  SECTION("append without unique_key") {
    auto spec = model("inc", "incremental");
    f.build(spec, compile);
    auto out = f.build(spec, compile);
    CHECK(out.rows == 2u);
    CHECK(scalar(f.conn, "select count(*) from analytics.inc") == 4);
    CHECK(seen_incremental == std::vector<bool>{false, true});
  }
  SECTION("delete+insert is the default with a unique_key, string or list") {
    auto spec = model("inc", "incremental");
    spec.unique_key =
        GENERATE(std::vector<std::string>{"id"}, std::vector<std::string>{"id", "k2"});
    f.build(spec, compile);
    exec(f.conn,
         "update raw_data.src set v = 'changed' where id = 1; insert into raw_data.src "
         "values (3, 1, 'c')");
    f.build(spec, compile);
    CHECK(scalar(f.conn, "select count(*) from analytics.inc") == 3);
    CHECK(text(f.conn, "select v from analytics.inc where id = 1") == "changed");
  }
  SECTION("merge updates matches and inserts the rest") {
    auto spec = model("inc", "incremental");
    spec.incremental_strategy = "merge";
    spec.unique_key = {"id"};
    f.build(spec, compile);
    exec(f.conn,
         "update raw_data.src set v = 'merged' where id = 2; insert into raw_data.src "
         "values (4, 1, 'd')");
    auto out = f.build(spec, compile);
    CHECK(out.adapter_message == "MERGE 3");
    CHECK(scalar(f.conn, "select count(*) from analytics.inc") == 3);
    CHECK(text(f.conn, "select v from analytics.inc where id = 2") == "merged");
  }
  SECTION("incremental_predicates limit what delete+insert replaces") {
    auto spec = model("inc", "incremental");
    spec.unique_key = {"id"};
    spec.incremental_predicates = {"id > 1"};
    f.build(spec, compile);
    f.build(spec, compile);
    // id 1 was not deleted (the predicate excludes it), so it is now there twice.
    CHECK(scalar(f.conn, "select count(*) from analytics.inc where id = 1") == 2);
    CHECK(scalar(f.conn, "select count(*) from analytics.inc where id = 2") == 1);
  }
  SECTION("--full-refresh rebuilds, and the model's full_refresh config overrides the flag") {
    auto spec = model("inc", "incremental");
    f.build(spec, compile);
    f.options.full_refresh = true;
    f.build(spec, compile);
    CHECK(scalar(f.conn, "select count(*) from analytics.inc") == 2);
    spec.full_refresh = false;
    f.build(spec, compile);
    CHECK(scalar(f.conn, "select count(*) from analytics.inc") == 4);
    CHECK(seen_incremental == std::vector<bool>{false, false, true});
    CHECK_FALSE(is_incremental(f.conn, model("missing", "incremental"), false).value());
  }
  SECTION("an unknown strategy is a configuration error naming the model") {
    auto spec = model("inc", "incremental");
    spec.incremental_strategy = "upsert";
    f.build(spec, compile);
    auto r = materialize(f.stmt, spec, compile, f.options);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("models/inc.sql") != std::string::npos);
    CHECK(r.error().message.find("upsert") != std::string::npos);
  }
}

TEST_CASE("retract replaces a key's contributions and moves the sums by the difference",
          "[integration][transform]") {
  fixture f;
  exec(f.conn,
       "create table raw_data.contrib (rk text, k text, n int);"
       "insert into raw_data.contrib values ('a', 'x', 1), ('a', 'y', 2), ('b', 'x', 3);"
       "create table raw_data.touched (rk text)");
  // Incremental: the contributions of the touched keys, and a tombstone (NULL unique key) for
  // each, so a key left without rows is still cleared.
  auto compile = [](const compile_request& req) -> gg::result<compiled_sql> {
    if (!req.is_incremental) return compiled_sql{"select rk, k, n from raw_data.contrib", {}, {}};
    return compiled_sql{
        "select rk, k, n from raw_data.contrib where rk in (select rk from raw_data.touched) "
        "union all select rk, null, 0 from raw_data.touched",
        {},
        {}};
  };
  auto spec = model("sums", "incremental");
  spec.incremental_strategy = "retract";
  spec.retract_key = {"rk"};
  spec.unique_key = {"k"};
  spec.indexes = {index_spec{{"k"}, true, {}}};
  const std::string sums = "select string_agg(k || '=' || n, ',' order by k) from analytics.sums";
  f.build(spec, compile);
  CHECK(text(f.conn, sums) == "x=4,y=2");
  CHECK(scalar(f.conn, "select count(*) from analytics.sums__contributions") == 3);

  // a's contributions change: y loses its only one and goes, x moves by +4.
  exec(f.conn,
       "delete from raw_data.contrib where rk = 'a'; insert into raw_data.contrib values "
       "('a', 'x', 5); insert into raw_data.touched values ('a')");
  auto out = f.build(spec, compile);
  CHECK(out.adapter_message == "MERGE 2");
  CHECK(text(f.conn, sums) == "x=8");
  // A key recomputed to the same rows changes nothing; b leaving entirely is cleared.
  exec(f.conn,
       "delete from raw_data.contrib where rk = 'b'; insert into raw_data.touched values ('b')");
  f.build(spec, compile);
  CHECK(text(f.conn, sums) == "x=5");
  CHECK(scalar(f.conn, "select count(*) from analytics.sums__contributions") == 1);
  f.options.full_refresh = true;
  f.build(spec, compile);
  CHECK(text(f.conn, sums) == "x=5");

  SECTION("a retract key its contributions lack (the model changed it) builds it again in full") {
    f.options.full_refresh = false;
    exec(f.conn,
         "alter table raw_data.contrib add column day int default 1;"
         "insert into raw_data.contrib values ('c', 'z', 7, 2)");
    spec.retract_key = {"rk", "day"};
    // An incremental run would see no rows (and could not retract by `day`): only a full build
    // brings c's row in.
    auto by_day = [](const compile_request& req) -> gg::result<compiled_sql> {
      return compiled_sql{std::string("select rk, day, k, n from raw_data.contrib") +
                              (req.is_incremental ? " where false" : ""),
                          {},
                          {}};
    };
    f.build(spec, by_day);
    CHECK(text(f.conn, sums) == "x=5,z=7");
    CHECK(scalar(f.conn,
                 "select count(*) from information_schema.columns where table_schema = 'analytics' "
                 "and table_name = 'sums__contributions' and column_name = 'day'") == 1);
    // From then on it is incremental again.
    exec(f.conn, "insert into raw_data.contrib values ('d', 'z', 1, 3)");
    f.build(spec, by_day);
    CHECK(text(f.conn, sums) == "x=5,z=7");
  }

  SECTION("without a retract_key it is a configuration error naming the model") {
    spec.retract_key.clear();
    auto r = materialize(f.stmt, spec, compile, f.options);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("models/sums.sql") != std::string::npos);
    CHECK(r.error().message.find("retract_key") != std::string::npos);
  }
}

TEST_CASE("on_schema_change ignores, fails, appends or syncs columns", "[integration][transform]") {
  fixture f;
  auto spec = model("evolving", "incremental");
  f.build(spec, fixed_sql("select 1 as id, 'x'::text as old_col"));
  const auto changed = fixed_sql("select 2 as id, 5::bigint as new_col");

  SECTION("ignore keeps the target's columns; a removed column fails the insert as in dbt") {
    auto r = materialize(f.stmt, spec, changed, f.options);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("old_col") != std::string::npos);
    auto ok = f.build(spec, fixed_sql("select 3 as id, 'y'::text as old_col, 1 as extra"));
    CHECK(ok.rows == 1u);
    CHECK(scalar(f.conn,
                 "select count(*) from information_schema.columns where table_name = "
                 "'evolving' and column_name = 'extra'") == 0);
  }
  SECTION("fail reports the difference and changes nothing") {
    spec.on_schema_change = "fail";
    auto r = materialize(f.stmt, spec, changed, f.options);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("new_col") != std::string::npos);
    CHECK(scalar(f.conn, "select count(*) from analytics.evolving") == 1);
  }
  SECTION("append_new_columns adds the new column and keeps the old one") {
    spec.on_schema_change = "append_new_columns";
    f.build(spec, changed);
    CHECK(scalar(f.conn, "select new_col from analytics.evolving where id = 2") == 5);
    CHECK(scalar(f.conn, "select count(*) from analytics.evolving where old_col is null") == 1);
  }
  SECTION("sync_all_columns adds, drops and retypes") {
    spec.on_schema_change = "sync_all_columns";
    f.build(spec, fixed_sql("select 2::bigint as id, 5::bigint as new_col"));
    CHECK(scalar(f.conn,
                 "select count(*) from information_schema.columns where table_name = "
                 "'evolving' and column_name = 'old_col'") == 0);
    CHECK(text(f.conn,
               "select data_type from information_schema.columns where table_name = "
               "'evolving' and column_name = 'id'") == "bigint");
    CHECK(scalar(f.conn, "select count(*) from analytics.evolving") == 2);
  }
}

TEST_CASE("microbatch builds one batch per period, backfills a range and retries a failed batch",
          "[integration][transform]") {
  fixture f;
  exec(f.conn,
       "create table raw_data.ev (id int, ts timestamptz); insert into raw_data.ev values "
       "(1, '2026-01-01 10:00Z'), (2, '2026-01-02 10:00Z'), (3, '2026-01-02 11:00Z'), "
       "(4, '2026-01-03 09:00Z')");
  auto spec = model("mb", "incremental");
  spec.incremental_strategy = "microbatch";
  spec.event_time = "ts";
  spec.batch = batch_size::day;
  spec.begin = at("2026-01-01");
  f.options.now = at("2026-01-03T12:00:00Z");
  std::map<std::string, int> attempts;
  std::string failing_window;  // this batch fails on every attempt
  std::string flaky_window;    // this batch fails on its first attempt only
  auto compile = [&](const compile_request& req) -> gg::result<compiled_sql> {
    REQUIRE(req.window);
    const auto start = gg::format_iso8601_us(req.window->start);
    const auto end = gg::format_iso8601_us(*req.window->end);
    const int n = ++attempts[start];
    if (start == failing_window || (start == flaky_window && n == 1)) {
      return compiled_sql{"select id, ts from raw_data.ev where 1/0 = 1", {}, {}};
    }
    return compiled_sql{
        "select id, ts from raw_data.ev where ts >= '" + start + "' and ts < '" + end + "'",
        {},
        {}};
  };

  SECTION("first run from begin, then the lookback batch only") {
    auto out = f.build(spec, compile);
    CHECK(out.adapter_message == "3 of 3 batches");
    CHECK(scalar(f.conn, "select count(*) from analytics.mb") == 4);
    exec(f.conn,
         "insert into raw_data.ev values (5, '2026-01-02 23:00Z'), (6, '2026-01-01 05:00Z')");
    attempts.clear();
    f.build(spec, compile);
    // lookback 1 day: the batches of Jan 2 and Jan 3 are rebuilt; Jan 1 is left alone.
    CHECK(attempts.size() == 2);
    CHECK(scalar(f.conn, "select count(*) from analytics.mb") == 5);
  }
  SECTION("--event-time-start/end backfill exactly that range") {
    f.build(spec, compile);
    exec(f.conn, "insert into raw_data.ev values (6, '2026-01-01 05:00Z')");
    attempts.clear();
    f.options.event_time_start = at("2026-01-01");
    f.options.event_time_end = at("2026-01-02");
    auto out = f.build(spec, compile);
    CHECK(out.adapter_message == "1 of 1 batches");
    CHECK(scalar(f.conn, "select count(*) from analytics.mb") == 5);
  }
  SECTION("a batch failing once is retried alone and succeeds") {
    flaky_window = "2026-01-02T00:00:00.000000Z";
    auto out = f.build(spec, compile);
    CHECK(out.partial_failure.empty());
    CHECK(attempts[flaky_window] == 2);
    CHECK(scalar(f.conn, "select count(*) from analytics.mb") == 4);
  }
  SECTION("a batch failing twice is reported while the others are built") {
    failing_window = "2026-01-02T00:00:00.000000Z";
    auto out = f.build(spec, compile);
    CHECK(attempts[failing_window] == 2);
    CHECK(out.partial_failure.find("1 of 3 batches failed") != std::string::npos);
    CHECK(out.partial_failure.find("division by zero") != std::string::npos);
    CHECK(scalar(f.conn, "select count(*) from analytics.mb") == 2);
  }
  SECTION("hooks run once per model: before the first batch and after the last") {
    exec(f.conn, "create table raw_data.mb_log (what text)");
    auto with_hooks = [&](const compile_request& req) -> gg::result<compiled_sql> {
      auto c = compile(req);
      if (!c) return c.error();
      c->pre_hooks = {"insert into raw_data.mb_log values ('pre')"};
      c->post_hooks = {"insert into raw_data.mb_log values ('post')"};
      return c;
    };
    f.build(spec, with_hooks);
    CHECK(scalar(f.conn, "select count(*) from raw_data.mb_log where what = 'pre'") == 1);
    CHECK(scalar(f.conn, "select count(*) from raw_data.mb_log where what = 'post'") == 1);
  }
  SECTION("month batches cover calendar months") {
    auto w = microbatch_windows(truncate_to_batch(at("2026-01-15"), batch_size::month),
                                at("2026-03-02"), batch_size::month);
    REQUIRE(w.size() == 3);
    CHECK(gg::format_iso8601_us(w[0].start) == "2026-01-01T00:00:00.000000Z");
    CHECK(gg::format_iso8601_us(*w[2].end) == "2026-04-01T00:00:00.000000Z");
    CHECK(truncate_to_batch(at("2026-01-15T13:45:00Z"), batch_size::hour) ==
          at("2026-01-15T13:00:00Z"));
  }
}

TEST_CASE("lookback reprocesses the window before the newest event so a late row is counted",
          "[integration][transform]") {
  fixture f;
  exec(f.conn,
       "create table raw_data.visits (event_id int, loaded_at timestamptz); insert into "
       "raw_data.visits values (1, '2026-01-01 10:00Z'), (2, '2026-01-01 12:00Z')");
  auto spec = model("visits", "incremental");
  spec.unique_key = {"event_id"};
  spec.event_time = "loaded_at";
  spec.lookback_window = "2 hours";
  std::optional<event_window> seen;
  auto compile = [&](const compile_request& req) -> gg::result<compiled_sql> {
    seen = req.window;
    std::string sql = "select event_id, loaded_at from raw_data.visits";
    if (req.window) sql += " where loaded_at >= '" + gg::format_iso8601_us(req.window->start) + "'";
    return compiled_sql{sql, {}, {}};
  };
  f.build(spec, compile);
  CHECK_FALSE(seen);
  // A late row: loaded after the first run, stamped inside the lookback window.
  exec(f.conn, "insert into raw_data.visits values (3, '2026-01-01 11:00Z')");
  f.build(spec, compile);
  REQUIRE(seen);
  CHECK(gg::format_iso8601_us(seen->start) == "2026-01-01T10:00:00.000000Z");
  CHECK(scalar(f.conn, "select count(*) from analytics.visits") == 3);
  CHECK(scalar(f.conn, "select count(distinct event_id) from analytics.visits") == 3);
}

TEST_CASE("a load-stamped model reads only rows it has not seen, and a late commit's too",
          "[integration][transform]") {
  fixture f;
  auto loader = f.db.connect();
  exec(f.conn,
       "create table raw_data.stamped (event_id int, load_xid bigint not null default "
       "(pg_current_xact_id()::text::bigint)); insert into raw_data.stamped values (1), (2)");
  auto spec = model("stamped", "incremental");
  spec.unique_key = {"event_id"};
  spec.load_stamp = "load_xid";
  spec.stamped_inputs = {stamped_input{relation_name{"", "raw_data", "stamped"}, "load_xid"}};
  std::vector<std::optional<std::int64_t>> seen;
  auto compile = [&](const compile_request& req) -> gg::result<compiled_sql> {
    seen.push_back(req.load_stamp_from);
    std::string sql = "select event_id, load_xid from raw_data.stamped";
    if (req.load_stamp_from) sql += " where load_xid >= " + std::to_string(*req.load_stamp_from);
    return compiled_sql{sql, {}, {}};
  };
  const std::string watermark =
      "select load_xid from pipeline.transform_watermarks where relation = "
      "'\"analytics\".\"stamped\"'";

  // No watermark recorded: built in full, and the watermark is recorded.
  f.build(spec, compile);
  REQUIRE(seen.size() == 1);
  CHECK_FALSE(seen[0]);
  CHECK(scalar(f.conn, "select count(*) from analytics.stamped") == 2);
  const auto first = scalar(f.conn, watermark);
  CHECK(first > scalar(f.conn, "select max(load_xid) from raw_data.stamped"));

  // Nothing new: the model is not run at all.
  auto idle = f.build(spec, compile);
  CHECK(idle.adapter_message == "no new rows");
  CHECK(seen.size() == 1);
  const auto before = scalar(f.conn, watermark);
  CHECK(before >= first);

  // A load begins (its transaction id is the lower one), a later load commits, a run happens,
  // then the first load commits: the next run still picks its row up.
  REQUIRE(static_cast<bool>(loader.begin()));
  exec(loader, "insert into raw_data.stamped values (3)");
  exec(f.conn, "insert into raw_data.stamped values (4)");
  f.build(spec, compile);
  CHECK(scalar(f.conn, "select count(*) from analytics.stamped") == 3);
  REQUIRE(seen.size() == 2);
  CHECK(seen[1] == before);
  // The watermark stops below the running load.
  CHECK(scalar(f.conn, watermark) <= scalar(loader, "select pg_current_xact_id()::text::bigint"));
  REQUIRE(static_cast<bool>(loader.commit()));
  f.build(spec, compile);
  CHECK(scalar(f.conn, "select count(*) from analytics.stamped") == 4);
  // Only rows from the late load on were read, not the table.
  CHECK(scalar(f.conn, "select count(*) from raw_data.stamped where load_xid >= " +
                           std::to_string(*seen.back())) == 2);

  SECTION("a parent's watermark caps the model's") {
    exec(f.conn,
         "insert into pipeline.transform_watermarks (relation, load_xid) values "
         "('\"analytics\".\"parent\"', 5)");
    auto child = spec;
    child.stamped_inputs.push_back(
        stamped_input{relation_name{"", "analytics", "parent"}, "load_xid", true});
    exec(f.conn, "create table analytics.parent (load_xid bigint)");
    exec(f.conn, "insert into raw_data.stamped values (5)");
    f.build(child, compile);
    CHECK(scalar(f.conn, watermark) == 5);
  }
  SECTION("a full refresh rebuilds and records a new watermark") {
    f.options.full_refresh = true;
    f.build(spec, compile);
    CHECK_FALSE(seen.back());
    CHECK(scalar(f.conn, "select count(*) from analytics.stamped") == 4);
    CHECK(scalar(f.conn, watermark) > scalar(f.conn, "select max(load_xid) from raw_data.stamped"));
  }
}

TEST_CASE("a failing statement reports the line of the compiled SQL and the model file",
          "[integration][transform]") {
  fixture f;
  auto spec = model("broken", "table");
  auto r = materialize(f.stmt, spec, fixed_sql("select 1 as a,\n  2 as b\nfrom nowhere_at_all"),
                       f.options);
  REQUIRE_FALSE(r.has_value());
  INFO(r.error().message);
  CHECK(r.error().message.find("models/broken.sql, compiled line 3") != std::string::npos);
  CHECK(r.error().message.find("3 | from nowhere_at_all") != std::string::npos);
  CHECK(describe_relation(f.conn, spec.relation).value() == relation_kind::none);
}

TEST_CASE("hooks run around the build and indexes are created on the table",
          "[integration][transform]") {
  fixture f;
  exec(f.conn, "create table raw_data.hook_log (what text)");
  auto spec = model("hooked", "table");
  spec.indexes = {index_spec{{"id"}, true, ""}, index_spec{{"name", "id"}, false, "btree"}};
  auto compile = [](const compile_request&) -> gg::result<compiled_sql> {
    return compiled_sql{"select 1 as id, 'a'::text as name",
                        {"insert into raw_data.hook_log values ('pre')"},
                        {"insert into raw_data.hook_log select 'post ' || count(*) from "
                         "analytics.hooked"}};
  };
  f.build(spec, compile);
  f.build(spec, compile);
  CHECK(scalar(f.conn, "select count(*) from raw_data.hook_log where what = 'pre'") == 2);
  CHECK(scalar(f.conn, "select count(*) from raw_data.hook_log where what = 'post 1'") == 2);
  CHECK(scalar(f.conn,
               "select count(*) from pg_indexes where schemaname = 'analytics' and "
               "tablename = 'hooked'") == 2);
  CHECK(scalar(f.conn,
               "select count(*) from pg_indexes where tablename = 'hooked' and "
               "indexdef like 'CREATE UNIQUE INDEX%'") == 1);
}

TEST_CASE("an incremental run creates the declared indexes an existing table lacks, once",
          "[integration][transform]") {
  fixture f;
  exec(f.conn,
       "create table raw_data.src (id int, \"Line\" int, v text); insert into "
       "raw_data.src values (1, 0, 'a'), (2, 0, 'b')");
  auto compile = [](const compile_request&) -> gg::result<compiled_sql> {
    return compiled_sql{"select id, \"Line\", v from raw_data.src", {}, {}};
  };
  auto spec = model("late_ix", "incremental");
  spec.unique_key = {"id", "\"Line\""};
  f.build(spec, compile);
  auto count_indexes = [&] {
    return scalar(f.conn,
                  "select count(*) from pg_indexes where schemaname = 'analytics' and "
                  "tablename = 'late_ix'");
  };
  REQUIRE(count_indexes() == 0);

  // Declared after the table was built: the unique key's index, a plain one written in
  // another case, one on an expression (only a table build creates that), a hash index.
  spec.indexes = {index_spec{{"id", "\"Line\""}, true, ""}, index_spec{{"V"}, false, "btree"},
                  index_spec{{"lower(v)"}, false, ""}, index_spec{{"v"}, false, "hash"}};
  f.build(spec, compile);
  CHECK(count_indexes() == 3);
  CHECK(scalar(f.conn,
               "select count(*) from pg_indexes where tablename = 'late_ix' and indexdef like "
               "'CREATE UNIQUE INDEX % ON analytics.late_ix USING btree (id, \"Line\")'") == 1);
  CHECK(scalar(f.conn,
               "select count(*) from pg_indexes where tablename = 'late_ix' and indexdef like "
               "'%USING hash (v)'") == 1);
  // A unique index is not taken for a plain one on the same columns, nor the reverse.
  f.build(spec, compile);
  f.build(spec, compile);
  CHECK(count_indexes() == 3);
  CHECK(scalar(f.conn, "select count(*) from analytics.late_ix") == 2);

  SECTION("a declared unique index the rows break fails the run, naming the way out") {
    exec(f.conn, "drop index analytics.\"late_ix_id_Line_idx\"");
    exec(f.conn, "insert into analytics.late_ix values (7, 0, 'x'), (7, 0, 'y')");
    auto r = materialize(f.stmt, spec, compile, f.options);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("--full-refresh") != std::string::npos);
    CHECK(r.error().message.find("models/late_ix.sql") != std::string::npos);
  }
}

TEST_CASE("a stop request cancels a running statement quickly and reports cancelled",
          "[integration][transform]") {
  fixture f;
  auto spec = model("slow", "table");
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    f.stop.request_stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  auto r = materialize(f.stmt, spec, fixed_sql("select 1 as slept from pg_sleep(30)"), f.options);
  const auto took = std::chrono::steady_clock::now() - t0;
  stopper.join();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == gg::errc::cancelled);
  CHECK(took < 5s);
  CHECK(describe_relation(f.conn, spec.relation).value() == relation_kind::none);
}

}  // namespace
