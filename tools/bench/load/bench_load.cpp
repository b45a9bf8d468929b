// Load benchmark: the loader (all cores, from framed segments, with ledger, rejects check,
// archive and artifact) against the usual ways of getting the same rows into PostgreSQL:
//   psql-csv      psql \copy of a pre-rendered CSV file per queue (one stream)
//   binary-copy   binary COPY of pre-rendered rows (one stream)
//   insert-1000   multi-row INSERT, 1,000 rows per statement (Spark's JDBC append, batchsize 1000)
// and three design experiments (--experiment):
//   format        binary vs text COPY of the same rows, server and client side
//   dedup         plain COPY vs a unique index on event_id vs staging table + ON CONFLICT
//   duplicates    the loader on segments where 0 %, 1 % and 10 % of the lines repeat an earlier
//                 event (a client's retry), spread across segments; lines/s and the ratio to
//                 the duplicate-free rate (goal: >= 0.8 at 1 %). At least 5 runs; each run
//                 loads the three sets back to back in a rotated order, and the ratio is the
//                 median of each run's own ratios, so load on a shared machine that drifts
//                 between runs cancels out instead of landing on one variant.
// Every method starts from empty tables after a CHECKPOINT; methods are interleaved within each
// run and the median of the runs is reported.

#include "event_generator.hpp"
#include "row_formats.hpp"

#include "scratch_database.hpp"

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/eventlog/queue_id.hpp>
#include <gadgetgrove/loader/loader.hpp>
#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/pg/migrator.hpp>
#include "copy_encoder.hpp"
#include "line_parser.hpp"
#include "segment_reader.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

// Client-side costs are timed in thread CPU time: other processes on the machine then do not
// inflate them.
double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
using gg::eventlog::all_queues;
using gg::eventlog::queue_count;

struct config {
  std::uint64_t events = 1'000'000;
  std::uint64_t segment_mb = 16;
  int runs = 3;
  unsigned threads = 0;
  std::string work_dir;
  std::string conninfo;
  std::string sql_dir;
  std::string pg_bin_dir = "/usr/lib/postgresql/15/bin";
  std::string experiment = "compare";
  std::string methods;  // comma-separated short names; empty: all of the experiment's
  bool keep = false;
};

[[noreturn]] void die(const std::string& what) {
  fmt::print(stderr, "bench_load: {}\n", what);
  std::exit(1);
}

template <class T>
T check(gg::result<T> r, const char* what) {
  if (!r) die(fmt::format("{}: {}", what, r.error().message));
  return std::move(*r);
}

void check(const gg::status& s, const char* what) {
  if (!s) die(fmt::format("{}: {}", what, s.error().message));
}

std::string queue_name(std::size_t q) { return std::string{to_string(all_queues[q])}; }

std::string column_list() {
  std::string cols;
  for (std::size_t i = 0; i < gg::loader::event_columns.size(); ++i) {
    if (i > 0) cols += ", ";
    cols += gg::loader::event_columns[i];
  }
  return cols;
}

// The same rows in every form a method needs, rendered before any clock starts.
struct rendered {
  std::uint64_t rows = 0;
  std::array<std::string, queue_count> binary;  // binary COPY rows, no header/trailer
  std::array<std::string, queue_count> text;    // COPY text format
  std::array<fs::path, queue_count> csv;
  std::array<gg::bench::param_rows, queue_count> params;
  double parse_seconds = 0;
  double binary_encode_seconds = 0;
  double text_encode_seconds = 0;
};

// One pass over every segment: each line parsed, then handed to `use` (which may encode it).
template <class F>
double timed_pass(const gg::bench::segment_set& set, F&& use) {
  gg::loader::line_parser parser;
  gg::loader::event_row row;
  const double t0 = thread_cpu_seconds();
  for (const auto& file : set.files) {
    const std::string queue = file.parent_path().filename().string();
    const auto q = gg::eventlog::index_of(*gg::eventlog::parse_queue_id(queue));
    auto reader = check(gg::loader::segment_reader::open(file), "open segment");
    for (;;) {
      auto line = check(reader.next(), "read segment");
      if (!line) break;
      if (auto why = parser.parse_line(line->text, line->terminated, queue, row))
        die("generated line rejected: " + why->to_string());
      use(q, row);
    }
  }
  return thread_cpu_seconds() - t0;
}

rendered render(const gg::bench::segment_set& set, const fs::path& dir) {
  rendered out;
  std::array<std::string, queue_count> csv;
  timed_pass(set, [&](std::size_t q, const gg::loader::event_row& row) {
    gg::loader::copy_encoder enc(out.binary[q]);
    gg::loader::write_event_row(enc, row);
    gg::bench::append_text_row(out.text[q], row);
    gg::bench::append_csv_row(csv[q], row);
    out.params[q].append(row);
    ++out.rows;
  });
  // Client-side costs: parse alone, then parse + each encoding into a buffer reused per 1 MiB.
  std::string scratch;
  scratch.reserve(2 << 20);
  out.parse_seconds = timed_pass(set, [](std::size_t, const gg::loader::event_row&) {});
  out.binary_encode_seconds = timed_pass(set,
                                         [&](std::size_t, const gg::loader::event_row& row) {
                                           gg::loader::copy_encoder enc(scratch);
                                           gg::loader::write_event_row(enc, row);
                                           if (scratch.size() > (1 << 20)) scratch.clear();
                                         }) -
                              out.parse_seconds;
  out.text_encode_seconds = timed_pass(set,
                                       [&](std::size_t, const gg::loader::event_row& row) {
                                         gg::bench::append_text_row(scratch, row);
                                         if (scratch.size() > (1 << 20)) scratch.clear();
                                       }) -
                            out.parse_seconds;
  for (std::size_t q = 0; q < queue_count; ++q) {
    out.csv[q] = dir / (queue_name(q) + ".csv");
    std::ofstream f(out.csv[q], std::ios::binary);
    f.write(csv[q].data(), static_cast<std::streamsize>(csv[q].size()));
    if (!f) die("write " + out.csv[q].string());
  }
  return out;
}

void exec(gg::pg::connection& conn, const std::string& sql) {
  check(conn.exec_script(sql), sql.c_str());
}

void reset(gg::pg::connection& conn) {
  std::string sql = "TRUNCATE ";
  for (std::size_t q = 0; q < queue_count; ++q) sql += "raw_data." + queue_name(q) + ", ";
  sql +=
      "raw_data.rejected_events, pipeline.loaded_segments, pipeline.artifacts RESTART IDENTITY;"
      "CHECKPOINT;";
  exec(conn, sql);
}

std::uint64_t count_rows(gg::pg::connection& conn) {
  std::string sql = "SELECT ";
  for (std::size_t q = 0; q < queue_count; ++q) {
    if (q > 0) sql += " + ";
    sql += "(SELECT count(*) FROM raw_data." + queue_name(q) + ")";
  }
  auto r = check(conn.exec(sql), "count rows");
  return static_cast<std::uint64_t>(check(r.get_int64(0, 0), "count"));
}

void copy_stream(gg::pg::connection& conn, const std::string& sql, std::string_view body,
                 std::string_view header, std::string_view trailer) {
  auto w = check(conn.copy_in(sql), "COPY");
  check(w.put(header), "COPY header");
  constexpr std::size_t chunk = 1 << 20;
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    check(w.put(body.substr(at, chunk)), "COPY data");
  }
  check(w.put(trailer), "COPY trailer");
  check(w.finish(), "COPY finish");
}

std::string binary_header() {
  std::string h;
  gg::loader::copy_encoder(h).header();
  return h;
}
std::string binary_trailer() {
  std::string t;
  gg::loader::copy_encoder(t).trailer();
  return t;
}

// --- the methods ----------------------------------------------------------------------------

void binary_copy(gg::pg::connection& conn, const rendered& data, const std::string& table_prefix) {
  const std::string header = binary_header();
  const std::string trailer = binary_trailer();
  for (std::size_t q = 0; q < queue_count; ++q) {
    copy_stream(conn,
                "COPY " + table_prefix + queue_name(q) + " (" + column_list() +
                    ") FROM STDIN (FORMAT binary)",
                data.binary[q], header, trailer);
  }
}

void text_copy(gg::pg::connection& conn, const rendered& data) {
  for (std::size_t q = 0; q < queue_count; ++q) {
    copy_stream(conn, "COPY raw_data." + queue_name(q) + " (" + column_list() + ") FROM STDIN",
                data.text[q], {}, {});
  }
}

void psql_csv(const config& cfg, const std::string& conninfo, const rendered& data,
              const fs::path& dir) {
  const fs::path script = dir / "copy.psql";
  {
    std::ofstream f(script);
    for (std::size_t q = 0; q < queue_count; ++q) {
      f << "\\copy raw_data." << queue_name(q) << " (" << column_list() << ") FROM '"
        << data.csv[q].string() << "' WITH (FORMAT csv)\n";
    }
  }
  const std::string psql = cfg.pg_bin_dir + "/psql";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(psql.c_str(), "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo.c_str(), "-f",
            script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) die("psql \\copy failed");
}

void batched_insert(gg::pg::connection& conn, const rendered& data) {
  constexpr std::size_t batch = 1000;
  constexpr std::size_t cols = gg::loader::event_columns.size();
  std::vector<gg::pg::param_value> params;
  params.reserve(batch * cols);
  std::map<std::size_t, std::string> statements;
  for (std::size_t q = 0; q < queue_count; ++q) {
    const auto& rows = data.params[q];
    check(conn.begin(), "BEGIN");
    for (std::size_t first = 0; first < rows.rows(); first += batch) {
      const std::size_t n = std::min(batch, rows.rows() - first);
      std::string& sql = statements[q * 10'000 + n];
      if (sql.empty()) {
        sql = "INSERT INTO raw_data." + queue_name(q) + " (" + column_list() + ") VALUES ";
        for (std::size_t r = 0; r < n; ++r) {
          sql += r == 0 ? "(" : ",(";
          for (std::size_t c = 0; c < cols; ++c) {
            sql += fmt::format("{}${}", c == 0 ? "" : ",", r * cols + c + 1);
          }
          sql += ')';
        }
      }
      params.clear();
      for (std::size_t i = first * cols; i < (first + n) * cols; ++i) {
        if (rows.lengths[i] < 0) {
          params.emplace_back(std::nullopt);
        } else {
          params.emplace_back(std::string_view{rows.text}.substr(
              rows.offsets[i], static_cast<std::size_t>(rows.lengths[i])));
        }
      }
      check(conn.exec(sql, params), "INSERT");
    }
    check(conn.commit(), "COMMIT");
  }
}

void ours(const config& cfg, const std::string& conninfo, const gg::bench::segment_set& set,
          const fs::path& run_dir) {
  std::error_code ec;
  fs::remove_all(run_dir, ec);
  for (const auto& file : set.files) {
    const fs::path to = run_dir / "log" / file.parent_path().filename() / file.filename();
    fs::create_directories(to.parent_path());
    fs::create_hard_link(file, to, ec);
    if (ec) die("link " + to.string() + ": " + ec.message());
  }
  gg::loader::loader_options o;
  o.data_dir = run_dir;
  o.conninfo = conninfo;
  o.threads = cfg.threads;
  auto s = check(gg::loader::load_once(o), "load_once");
  if (s.failed != 0 || s.rejected() != 0)
    die("loader run incomplete: " + (s.first_error ? s.first_error->message : std::string{}));
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// The loader on a copy of `set`'s segments; the duplicates must all come back as rejects.
double ours_with_duplicates(const config& cfg, const std::string& conninfo,
                            const gg::bench::segment_set& set, const fs::path& run_dir) {
  std::error_code ec;
  fs::remove_all(run_dir, ec);
  for (const auto& file : set.files) {
    const fs::path to = run_dir / "log" / file.parent_path().filename() / file.filename();
    fs::create_directories(to.parent_path());
    fs::create_hard_link(file, to, ec);
    if (ec) die("link " + to.string() + ": " + ec.message());
  }
  gg::loader::loader_options o;
  o.data_dir = run_dir;
  o.conninfo = conninfo;
  o.threads = cfg.threads;
  const auto t0 = clock_type::now();
  auto s = check(gg::loader::load_once(o), "load_once");
  const double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  if (s.failed != 0)
    die("loader run incomplete: " + (s.first_error ? s.first_error->message : std::string{}));
  const auto dup = s.rejects_by_reason.find("duplicate_event_id");
  const std::uint64_t dups = dup == s.rejects_by_reason.end() ? 0 : dup->second;
  if (s.rows() + dups != set.events || dups != set.duplicates || s.rejected() != dups) {
    die(
        fmt::format("{} rows + {} duplicate rejects ({} rejects in all) for {} lines with {} "
                    "duplicates",
                    s.rows(), dups, s.rejected(), set.events, set.duplicates));
  }
  return static_cast<double>(set.events) / seconds;
}

int run_duplicates(const config& cfg, const std::string& conninfo, gg::pg::connection& conn,
                   const fs::path& work) {
  constexpr std::array<double, 3> shares = {0.0, 0.01, 0.10};
  std::vector<gg::bench::segment_set> sets;
  for (const double share : shares) {
    sets.push_back(
        check(gg::bench::write_segments(work / fmt::format("source-{}", share), cfg.events,
                                        cfg.segment_mb << 20, 20261126, share),
              "generate"));
  }
  const unsigned cores = cfg.threads != 0 ? cfg.threads : std::thread::hardware_concurrency();
  // Fewer runs let one unlucky run decide the ratio on a loaded machine.
  const int runs = std::max(cfg.runs, 5);
  fmt::print("{} lines in {} segments of <= {} MiB per set; {} core(s); median of {} runs\n",
             cfg.events, sets.front().files.size(), cfg.segment_mb, cores, runs);
  std::array<std::vector<double>, shares.size()> rates;
  std::array<std::vector<double>, shares.size()> ratios;  // to the same run's 0 % rate
  for (int run = 0; run < runs; ++run) {
    // The three sets back to back, from empty tables each time, the first one rotating: a
    // variant never always runs first (a cold cache, a checkpoint due) or last.
    std::array<double, shares.size()> rate{};
    for (std::size_t k = 0; k < shares.size(); ++k) {
      const std::size_t i = (static_cast<std::size_t>(run) + k) % shares.size();
      reset(conn);
      rate[i] = ours_with_duplicates(cfg, conninfo, sets[i], work / "run");
      fmt::print("  run {} {:>4.0f} % duplicates {:>10.0f} lines/s ({} duplicates)\n", run + 1,
                 shares[i] * 100, rate[i], sets[i].duplicates);
    }
    for (std::size_t i = 0; i < shares.size(); ++i) {
      rates[i].push_back(rate[i]);
      ratios[i].push_back(rate[i] / rate[0]);
    }
  }
  fmt::print("\n{:<14} {:>12} {:>12} {:>8}  {}\n", "duplicates", "lines/s", "rows/s", "ratio",
             "per-run ratios (min-max)");
  for (std::size_t i = 0; i < shares.size(); ++i) {
    const double lines = median(rates[i]);
    const double kept = static_cast<double>(sets[i].events - sets[i].duplicates) /
                        static_cast<double>(sets[i].events);
    const auto [lo, hi] = std::minmax_element(ratios[i].begin(), ratios[i].end());
    fmt::print("{:>12.0f} % {:>12.0f} {:>12.0f} {:>7.2f}x  {:.2f}-{:.2f}\n", shares[i] * 100, lines,
               lines * kept, median(ratios[i]), *lo, *hi);
  }
  fmt::print(
      "(ratio = the median over runs of lines/s / the same run's duplicate-free lines/s; goal "
      ">= 0.80 at 1 %)\n");
  return 0;
}

// Deduplication at load: COPY into a temporary staging table, then one INSERT ... SELECT ...
// ON CONFLICT (event_id) DO NOTHING into the table, which then carries a unique index.
void staged_on_conflict(gg::pg::connection& conn, const rendered& data) {
  const std::string header = binary_header();
  const std::string trailer = binary_trailer();
  const std::string cols = column_list();
  for (std::size_t q = 0; q < queue_count; ++q) {
    const std::string table = "raw_data." + queue_name(q);
    check(conn.begin(), "BEGIN");
    exec(conn, "CREATE TEMP TABLE staging_rows ON COMMIT DROP AS SELECT " + cols + " FROM " +
                   table + " WITH NO DATA");
    copy_stream(conn, "COPY staging_rows (" + cols + ") FROM STDIN (FORMAT binary)", data.binary[q],
                header, trailer);
    exec(conn, "INSERT INTO " + table + " (" + cols + ") SELECT " + cols +
                   " FROM staging_rows ORDER BY event_id ON CONFLICT (event_id) DO NOTHING");
    check(conn.commit(), "COMMIT");
  }
}

void set_event_id_index(gg::pg::connection& conn, bool unique) {
  std::string sql;
  for (std::size_t q = 0; q < queue_count; ++q) {
    const std::string name = queue_name(q);
    sql += "DROP INDEX IF EXISTS raw_data." + name + "_event_id_idx;";
    sql += "DROP INDEX IF EXISTS raw_data." + name + "_event_id_key;";
    sql += std::string("CREATE ") + (unique ? "UNIQUE " : "") + "INDEX " + name +
           (unique ? "_event_id_key" : "_event_id_idx") + " ON raw_data." + name + " (event_id);";
  }
  exec(conn, sql);
}

// utime + stime of a process, from /proc/<pid>/stat (fields 14 and 15, in clock ticks).
double process_cpu_seconds(long pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// CPU time the server spent on backends that have exited since its start: the postmaster's
// cutime + cstime (fields 16 and 17), which grow as it reaps them (the loader's connections
// end with its run).
double reaped_cpu_seconds(long postmaster_pid) {
  if (postmaster_pid <= 0) return 0;
  std::ifstream f("/proc/" + std::to_string(postmaster_pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 17 && rest >> field; ++i) {
    if (i >= 16) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// This process's CPU time (every thread: the loader's workers run here) plus that of its
// waited-for children (psql).
double client_cpu_seconds() {
  double s = 0;
  for (const int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage u{};
    ::getrusage(who, &u);
    s += static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
  }
  return s;
}

// The postmaster's pid from postmaster.pid in the data directory; 0 when it cannot be read
// (a server given by --conninfo on another machine or user).
long postmaster_pid(gg::pg::connection& conn) {
  auto r = conn.exec("SELECT current_setting('data_directory')");
  if (!r) return 0;
  std::ifstream f(std::string(r->get(0, 0)) + "/postmaster.pid");
  long pid = 0;
  f >> pid;
  return f ? pid : 0;
}

// Waits (up to 5 s) until no backend but `conn`'s is left, so the finished run's backends
// have been reaped and counted.
void wait_other_backends_gone(gg::pg::connection& conn) {
  for (int i = 0; i < 100; ++i) {
    auto r = conn.exec(
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
        "AND pid <> pg_backend_pid()");
    if (r && check(r->get_int64(0, 0), "backends") == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

struct method {
  std::string key;  // the short name --methods selects by
  std::string name;
  std::string note;
  std::function<void()> before;  // untimed set-up
  std::function<void()> run;
  bool on_conn = false;  // runs on `conn`, whose backend's CPU time is then reported
  std::vector<double> rows_per_second;
  std::vector<double> server_cpu_us_per_row;
  std::vector<double> client_cpu_us_per_row;
  std::vector<double> ratio_to_first;  // the first method's rows/s over this one's, same run
  std::vector<double> wal_mib;
};

// WAL written since `lsn` ("X/Y"), in MiB; and the current position.
std::string wal_position(gg::pg::connection& conn) {
  auto r = check(conn.exec("SELECT pg_current_wal_lsn()::text"), "wal lsn");
  return std::string(r.get(0, 0));
}
double wal_mib_since(gg::pg::connection& conn, const std::string& lsn) {
  auto r =
      check(conn.exec("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)", lsn), "wal diff");
  return check(r.get_double(0, 0), "wal diff") / (1 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  config cfg;
  CLI::App app{"GadgetGrove load benchmark"};
  app.add_option("--events", cfg.events, "events to generate");
  app.add_option("--segment-mb", cfg.segment_mb, "segment size in MiB");
  app.add_option("--runs", cfg.runs, "runs per method (the median is reported)");
  app.add_option("--threads", cfg.threads, "loader workers (0: one per core)");
  app.add_option("--work-dir", cfg.work_dir, "scratch directory (default: a new one in /tmp)");
  app.add_option("--conninfo", cfg.conninfo, "an existing database (default: embedded cluster)");
  app.add_option("--sql-dir", cfg.sql_dir, "sql/ of the source tree")->required();
  app.add_option("--pg-bin-dir", cfg.pg_bin_dir, "PostgreSQL binaries (psql, initdb)");
  app.add_option("--experiment", cfg.experiment, "compare | format | dedup | duplicates")
      ->check(CLI::IsMember({"compare", "format", "dedup", "duplicates"}));
  app.add_option("--methods", cfg.methods,
                 "compare only these (comma-separated: loader, psql, binary, insert); default all");
  app.add_flag("--keep", cfg.keep, "keep the scratch directory");
  CLI11_PARSE(app, argc, argv);
  gg::log::set_level(gg::log::level::warn);

  auto db = check(gg::bench::open_scratch_database("gg-bench-load", cfg.work_dir, cfg.conninfo,
                                                   cfg.pg_bin_dir, cfg.sql_dir),
                  "scratch database");
  const fs::path work = db->work;
  const std::string conninfo = db->conninfo;
  gg::pg::connection& conn = *db->conn;

  if (cfg.experiment == "duplicates") {
    const int rc = run_duplicates(cfg, conninfo, conn, work);
    check(db->close(cfg.keep), "stop PostgreSQL");
    return rc;
  }

  const auto t_gen = clock_type::now();
  const auto set =
      check(gg::bench::write_segments(work / "source", cfg.events, cfg.segment_mb << 20, 20261126),
            "generate");
  const double gen_seconds = std::chrono::duration<double>(clock_type::now() - t_gen).count();
  const rendered data = render(set, work);
  const unsigned cores = cfg.threads != 0 ? cfg.threads : std::thread::hardware_concurrency();
  fmt::print(
      "{} events, {:.1f} MiB in {} segments of <= {} MiB (generated in {:.1f} s); {} "
      "core(s); median of {} runs\n",
      set.events, static_cast<double>(set.bytes) / (1 << 20), set.files.size(), cfg.segment_mb,
      gen_seconds, cores, cfg.runs);

  std::vector<method> methods;
  if (cfg.experiment == "compare") {
    methods.push_back(
        {"loader", "gadgetgrove loader", fmt::format("{} workers, from segments", cores), {}, [&] {
           ours(cfg, conninfo, set, work / "run");
         }});
    methods.push_back({"psql", "psql \\copy CSV", "one stream, pre-rendered", {}, [&] {
                         psql_csv(cfg, conninfo, data, work);
                       }});
    methods.push_back({"binary",
                       "binary COPY",
                       "one stream, pre-rendered",
                       {},
                       [&] { binary_copy(conn, data, "raw_data."); },
                       true});
    methods.push_back({"insert",
                       "INSERT x1000",
                       "one stream, 1,000 rows/statement",
                       {},
                       [&] { batched_insert(conn, data); },
                       true});
  } else if (cfg.experiment == "format") {
    methods.push_back({"binary",
                       "binary COPY",
                       "one stream",
                       {},
                       [&] { binary_copy(conn, data, "raw_data."); },
                       true});
    methods.push_back(
        {"text", "text COPY", "one stream", {}, [&] { text_copy(conn, data); }, true});
  } else {
    methods.push_back({"plain", "plain COPY", "event_id index not unique (dedup later)",
                       [&] { set_event_id_index(conn, false); },
                       [&] { binary_copy(conn, data, "raw_data."); }, true});
    methods.push_back({"unique", "COPY, unique index", "fails on a duplicate",
                       [&] { set_event_id_index(conn, true); },
                       [&] { binary_copy(conn, data, "raw_data."); }, true});
    methods.push_back({"staged", "staging + ON CONFLICT", "unique index, duplicates dropped",
                       [&] { set_event_id_index(conn, true); },
                       [&] { staged_on_conflict(conn, data); }, true});
  }
  if (!cfg.methods.empty()) {
    const std::string wanted = "," + cfg.methods + ",";
    std::erase_if(methods, [&](const method& m) {
      return wanted.find("," + m.key + ",") == std::string::npos;
    });
    if (methods.empty()) die("--methods selects none of the experiment's methods");
  }
  const long backend_pid =
      check(check(conn.exec("SELECT pg_backend_pid()"), "pid").get_int64(0, 0), "pid");
  const long server_pid = postmaster_pid(conn);

  for (int run = 0; run < cfg.runs; ++run) {
    for (auto& m : methods) {
      if (m.before) m.before();
      reset(conn);
      const std::string lsn = wal_position(conn);
      wait_other_backends_gone(conn);
      const double cpu0 = process_cpu_seconds(backend_pid) + reaped_cpu_seconds(server_pid);
      const double client0 = client_cpu_seconds();
      const auto t0 = clock_type::now();
      m.run();
      const double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
      const double client = client_cpu_seconds() - client0;
      wait_other_backends_gone(conn);
      const double cpu = process_cpu_seconds(backend_pid) + reaped_cpu_seconds(server_pid) - cpu0;
      m.wal_mib.push_back(wal_mib_since(conn, lsn));
      const std::uint64_t rows = count_rows(conn);
      if (rows != data.rows)
        die(fmt::format("{}: {} rows in the tables, {} expected", m.name, rows, data.rows));
      m.rows_per_second.push_back(static_cast<double>(rows) / seconds);
      m.server_cpu_us_per_row.push_back(cpu / static_cast<double>(rows) * 1e6);
      m.client_cpu_us_per_row.push_back(client / static_cast<double>(rows) * 1e6);
      fmt::print(
          "  run {} {:<24} {:>10.0f} rows/s ({:.2f} s, WAL {:.0f} MiB, server CPU {:.2f} s, "
          "client CPU {:.2f} s)\n",
          run + 1, m.name, static_cast<double>(rows) / seconds, seconds, m.wal_mib.back(), cpu,
          client);
    }
    for (auto& m : methods) {
      m.ratio_to_first.push_back(methods.front().rows_per_second.back() / m.rows_per_second.back());
    }
  }
  if (cfg.experiment == "dedup") set_event_id_index(conn, true);  // as migrated

  const double base = median(methods.front().rows_per_second);
  fmt::print("\n{:<24} {:>12} {:>10} {:>10} {:>14} {:>14} {:>9}  {}\n", "method", "rows/s", "ratio",
             "run ratio", "server µs/row", "client µs/row", "WAL MiB", "notes");
  for (const auto& m : methods) {
    const double rps = median(m.rows_per_second);
    fmt::print("{:<24} {:>12.0f} {:>9.2f}x {:>9.2f}x {:>14.2f} {:>14.2f} {:>9.0f}  {}\n", m.name,
               rps, base / rps, median(m.ratio_to_first), median(m.server_cpu_us_per_row),
               median(m.client_cpu_us_per_row), median(m.wal_mib), m.note);
  }
  fmt::print(
      "(ratio = {0} rows/s / method rows/s, medians over runs; run ratio = the median of each "
      "run's own ratio, which drift in the machine's load between runs does not move; CPU: "
      "PostgreSQL's backends, and this process with its children)\n",
      methods.front().name);
  if (cfg.experiment == "format") {
    const double n = static_cast<double>(data.rows);
    fmt::print(
        "client side per row (thread CPU time): read + checksum + JSON parse {:.0f} ns, "
        "binary encode {:.0f} ns, text encode {:.0f} ns\n",
        data.parse_seconds / n * 1e9, data.binary_encode_seconds / n * 1e9,
        data.text_encode_seconds / n * 1e9);
  }

  check(db->close(cfg.keep), "stop PostgreSQL");
  return 0;
}
