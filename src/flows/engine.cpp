#include <gadgetgrove/flows/engine.hpp>

#include "retry_plan.hpp"
#include "run_context.hpp"
#include "run_row.hpp"

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/node_id.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/pg/pool.hpp>
#include <gadgetgrove/pg/transaction.hpp>

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <stop_token>

namespace gg::flows {
namespace {

using namespace std::chrono_literals;
using detail::params_json;
using detail::read_run;
using detail::run_columns;
using detail::time_param;
using std::chrono::milliseconds;

constexpr gg::logger log{"flows"};

/// How long a control statement waits for a pooled connection.
constexpr milliseconds pool_wait = 10s;
/// wait() re-reads the database this often, for runs that another process executes.
constexpr milliseconds wait_recheck = 100ms;
/// Runs that failed this many times in a row make their flow stale, whatever its age.
constexpr unsigned stale_after_failures = 3;

enum class stop_reason : int { none, cancel, timeout, shutdown };

double seconds_between(time_point from, time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

/// Whether `node`, a process name "<node id>:<pid>" (core/node_id.hpp) of `local_node` (this
/// process's node), names a process of this machine that no longer exists. A pid that answers
/// kill(pid, 0), the holder or a process that reused its pid, keeps its runs until their lease
/// expires.
bool local_process_gone(std::string_view node, std::string_view local_node) {
  const auto parts = parse_process_name(node);
  if (!parts || parts->node_id != local_node) return false;
  return ::kill(parts->pid, 0) != 0 && errno == ESRCH;
}

bool valid_flow_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

/// A PostgreSQL array literal of plain words (flow names, UUIDs), sent as one bound parameter.
std::string array_param(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    out += items[i];
    out += '"';
  }
  out += '}';
  return out;
}

std::string lock_key(std::string_view flow) { return fmt::format("gadgetgrove.flows:{}", flow); }
std::string queue_key(std::string_view flow) {
  return fmt::format("gadgetgrove.flows.queue:{}", flow);
}

/// Flow runs last from milliseconds (an empty load) to many minutes (a full refresh).
std::vector<double> run_duration_buckets() {
  return {0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
}

/// Runs the task; exceptions become failures so they never leave a pool handler.
gg::status call_task(const task_fn& fn, task_context& ctx) {
  try {
    return fn(ctx);
  } catch (const std::exception& e) {
    return gg::fail(errc::internal, fmt::format("task threw: {}", e.what()));
  } catch (...) {
    return gg::fail(errc::internal, "task threw a non-standard exception");
  }
}

/// The run executing in this process: its row as claimed, and how it is stopped.
struct active_run {
  run_record rec;
  std::stop_source stop;
  std::atomic<stop_reason> reason{stop_reason::none};
  std::atomic<bool> ending{false};  // its tasks are done; the end is being recorded
  time_point started{};
  time_point renewed{};  // lease last written

  void request(stop_reason why) {
    stop_reason expected = stop_reason::none;
    reason.compare_exchange_strong(expected, why);
    stop.request_stop();
  }
};

struct run_outcome {
  run_state state = run_state::completed;
  std::string error;
};

/// One registered flow. `control` serialises this process's state changes of the flow (start,
/// enqueue, end); `conn` holds the flow's advisory lock while a run executes and is used by
/// the worker while `busy`, by the holder of `control` otherwise. The fields after `conn` are
/// guarded by the engine's mutex.
struct flow_slot {
  flow_slot(flow_definition d, metrics::registry& reg)
      : def(std::move(d)),
        last_success_gauge(
            reg.get_gauge("gadgetgrove_flow_last_success_timestamp_seconds",
                          "End of the flow's last completed run, in seconds since the epoch.",
                          {{"flow", def.name}})),
        running_gauge(reg.get_gauge("gadgetgrove_flow_running",
                                    "1 while a run of the flow executes in this process.",
                                    {{"flow", def.name}})),
        stale_gauge(reg.get_gauge("gadgetgrove_flow_stale",
                                  "1 while the flow is stale (late or failing repeatedly).",
                                  {{"flow", def.name}})),
        duration(reg.get_histogram("gadgetgrove_flow_duration_seconds",
                                   "Duration of the flow's runs.", run_duration_buckets(),
                                   {{"flow", def.name}})) {
    for (const run_state s : {run_state::completed, run_state::failed, run_state::crashed,
                              run_state::cancelled, run_state::skipped}) {
      runs_ended[static_cast<std::size_t>(s)] =
          &reg.get_counter("gadgetgrove_flow_runs_total", "Flow runs ended, by final state.",
                           {{"flow", def.name}, {"state", std::string(to_string(s))}});
    }
  }

  flow_definition def;
  std::mutex control;
  std::optional<pg::connection> conn;
  bool locked = false;

  bool busy = false;
  std::shared_ptr<active_run> current;
  std::optional<time_point> next_fire;
  flow_status status;

  metrics::gauge& last_success_gauge;
  metrics::gauge& running_gauge;
  metrics::gauge& stale_gauge;
  metrics::histogram& duration;
  /// Counts a run's end in gadgetgrove_flow_runs_total{flow,state}.
  void count_end(run_state s) {
    if (metrics::counter* c = runs_ended.at(static_cast<std::size_t>(s))) c->inc();
  }
  /// Registered once per final state; indexed by run_state, null for the states not final.
  std::array<metrics::counter*, static_cast<std::size_t>(run_state::skipped) + 1> runs_ended{};
};

}  // namespace

struct engine::impl {
  impl(engine_options o, sched::scheduler& s)
      : opt(std::move(o)), sched(s), retries(opt.seed), gate(std::make_shared<poll_gate>()) {
    if (opt.node.empty()) opt.node = process_name(default_node_id());
    // Only a name of this very process says which node this machine is; other names (tests
    // running several engines in one process) recover through the leases alone.
    if (const auto self = parse_process_name(opt.node); self && self->pid == ::getpid()) {
      local_node = std::string(self->node_id);
    }
    gate->target = this;
  }

  /// Lets the scheduler's tick job reach the engine only while it exists; the job holds the
  /// gate's mutex while it polls, so closing the gate waits for a poll in progress.
  struct poll_gate {
    std::mutex m;
    impl* target = nullptr;
  };

  engine_options opt;

  metrics::registry& metrics_registry() const noexcept {
    return opt.metrics != nullptr ? *opt.metrics : metrics::global();
  }
  /// The node id of opt.node when that is this process's "<node id>:<pid>", so the names of
  /// this machine's dead processes can be told apart (see local_process_gone()).
  std::optional<std::string> local_node;
  sched::scheduler& sched;
  detail::retry_plan retries;
  std::vector<std::unique_ptr<flow_slot>> flows;

  mutable std::mutex m;
  std::condition_variable changed;
  std::uint64_t generation = 0;  // bumped on every change a waiter may care about
  bool started = false;
  bool stopping = false;
  bool drained = false;
  unsigned workers = 0;
  time_point started_at{};
  gg::health db_health{health_state::starting, "not started"};

  std::unique_ptr<pg::pool> pool;
  std::optional<sched::job_id> tick_job;
  std::shared_ptr<poll_gate> gate;
  std::mutex poll_mutex;

  // --- helpers -------------------------------------------------------------------------------

  flow_slot* find(std::string_view name) const {
    for (const auto& f : flows) {
      if (f->def.name == name) return f.get();
    }
    return nullptr;
  }

  void notify() {
    {
      std::lock_guard lock(m);
      ++generation;
    }
    changed.notify_all();
  }

  void note_db(const gg::status& st) {
    std::lock_guard lock(m);
    if (stopping) return;
    if (st) {
      db_health = gg::health{health_state::up, {}};
    } else if (st.error().code == errc::unavailable || st.error().code == errc::timeout) {
      db_health = gg::health{health_state::degraded,
                             fmt::format("database unreachable: {}", st.error().message)};
    }
  }

  gg::result<pg::lease> control_conn() {
    if (!pool) return gg::fail(errc::unavailable, "the flows engine is not started");
    return pool->acquire(pool_wait);
  }

  /// Opens the flow's own connection if it has none that works. Caller holds `control` or is
  /// the flow's worker.
  gg::status ensure_conn(flow_slot& f) {
    if (f.conn && f.conn->is_open()) return {};
    f.conn.reset();
    f.locked = false;
    auto c = pg::connection::open(opt.conninfo());
    if (!c) return c.error();
    f.conn.emplace(std::move(*c));
    return {};
  }

  /// Takes the flow's advisory lock on its connection: false when another process holds it
  /// (that process is running the flow). Caller holds `control` and the flow is not busy.
  gg::result<bool> take_lock(flow_slot& f) {
    if (auto st = ensure_conn(f); !st) return st.error();
    if (f.locked) return true;
    auto r =
        f.conn->exec("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", lock_key(f.def.name));
    if (!r) return r.error();
    f.locked = r->get(0, 0) == "t";
    return f.locked;
  }

  void release_lock(flow_slot& f) {
    if (!f.locked || !f.conn) return;
    auto r =
        f.conn->exec("SELECT pg_advisory_unlock(hashtextextended($1, 0))", lock_key(f.def.name));
    if (!r) {
      // A session that cannot say unlock is not to be trusted with the lock either: closing
      // it releases the lock on the server.
      f.conn.reset();
    }
    f.locked = false;
  }

  /// Inserts `rec` in state `state`. With `fire_key`, the row claims (flow, scheduled_for) and
  /// a conflict (another process or an earlier life made that run) returns false.
  gg::result<bool> insert_run(pg::connection& c, const run_record& rec, run_state state,
                              bool fire_key, time_point now) {
    const bool running = state == run_state::running;
    const auto now_text = time_param(now);
    const auto lease =
        running ? std::optional<std::string>(time_param(now + opt.lease_ttl)) : std::nullopt;
    const auto started = running ? std::optional<std::string>(now_text) : std::nullopt;
    const auto ended = is_final(state) ? std::optional<std::string>(now_text) : std::nullopt;
    const auto scheduled = rec.scheduled_for
                               ? std::optional<std::string>(time_param(*rec.scheduled_for))
                               : std::nullopt;
    const auto parent =
        rec.parent_run.empty() ? std::nullopt : std::optional<std::string_view>(rec.parent_run);
    const auto error =
        rec.error.empty() ? std::nullopt : std::optional<std::string_view>(rec.error);
    const std::string sql = fmt::format(
        "INSERT INTO pipeline.flow_runs (id, flow, trigger, state, attempt, parent_run, "
        "scheduled_for, created_at, started_at, ended_at, duration_s, error, parameters, node, "
        "lease_until, heartbeat_at) VALUES ($1::uuid, $2, $3, $4, $5, $6::uuid, "
        "$7::timestamptz, $8::timestamptz, $9::timestamptz, $10::timestamptz, $11, $12, "
        "$13::jsonb, $14, $15::timestamptz, $9::timestamptz) {} RETURNING id",
        fire_key ? "ON CONFLICT (flow, scheduled_for) WHERE trigger = 'schedule' DO NOTHING" : "");
    const std::optional<double> duration =
        is_final(state) ? std::optional<double>(0.0) : std::nullopt;
    auto r = c.exec(sql, rec.id, rec.flow, to_string(rec.trigger), to_string(state), rec.attempt,
                    parent, scheduled, time_param(rec.created_at), started, ended, duration, error,
                    params_json(rec.params), opt.node, lease);
    if (!r) return r.error();
    return r->rows() == 1;
  }

  run_record new_run(const flow_slot& f, trigger_kind kind, parameters params, time_point now) {
    run_record rec;
    rec.id = uuid_v7().to_string();
    rec.flow = f.def.name;
    rec.trigger = kind;
    rec.params = std::move(params);
    rec.created_at = now;
    rec.node = opt.node;
    return rec;
  }

  /// Hands a run that is `running` in the database (and whose flow lock this process holds) to
  /// a worker on the blocking pool. Caller holds `control`.
  void start_worker(flow_slot& f, run_record rec, time_point now) {
    auto run = std::make_shared<active_run>();
    rec.state = run_state::running;
    rec.started_at = now;
    rec.node = opt.node;
    run->rec = std::move(rec);
    run->started = now;
    run->renewed = now;
    {
      std::lock_guard lock(m);
      f.busy = true;
      f.current = run;
      f.status.running = true;
      ++workers;
      ++generation;
    }
    f.running_gauge.set(1);
    changed.notify_all();
    log.info("flow run started", {{"flow", f.def.name},
                                  {"run", run->rec.id},
                                  {"trigger", to_string(run->rec.trigger)},
                                  {"attempt", run->rec.attempt}});
    boost::asio::post(sched.blocking_executor(), [this, &f, run] { work(f, run); });
  }

  /// Claims the next run of `f` that may start now (pending first, then due retries), as
  /// running under this process. Caller holds `control` and the flow's lock.
  gg::result<std::optional<run_record>> claim_next(flow_slot& f, time_point now) {
    for (int tries = 0; tries < 3; ++tries) {
      auto found = f.conn->exec(
          "SELECT id::text FROM pipeline.flow_runs WHERE flow = $1 AND (state = 'pending' OR "
          "(state = 'scheduled' AND scheduled_for <= $2::timestamptz)) ORDER BY CASE WHEN "
          "state = 'pending' THEN created_at ELSE scheduled_for END, id LIMIT 1",
          f.def.name, time_param(now));
      if (!found) return found.error();
      if (found->rows() == 0) return std::optional<run_record>{};
      const std::string id(found->get(0, 0));
      // The state test makes the claim atomic: of two processes claiming one run, one updates
      // it and the other finds it no longer pending or scheduled.
      auto claimed = f.conn->exec(
          fmt::format("UPDATE pipeline.flow_runs AS r SET state = 'running', started_at = "
                      "$2::timestamptz, heartbeat_at = $2::timestamptz, node = $3, lease_until "
                      "= $4::timestamptz WHERE r.id = $1::uuid AND (r.state = 'pending' OR "
                      "(r.state = 'scheduled' AND r.scheduled_for <= $2::timestamptz)) "
                      "RETURNING {}",
                      run_columns),
          id, time_param(now), opt.node, time_param(now + opt.lease_ttl));
      if (!claimed) return claimed.error();
      if (claimed->rows() == 0) continue;
      auto rec = read_run(*claimed, 0);
      if (!rec) return rec.error();
      return std::optional<run_record>(std::move(*rec));
    }
    return std::optional<run_record>{};
  }

  /// Takes the flow's lock and claims its next waiting run, for a flow idle in this process.
  /// Closes the gap between a holder's last look for pending runs and its unlock: whoever
  /// queued a run, or released the lock, tries again afterwards. Caller holds `control`.
  std::optional<run_record> claim_waiting(flow_slot& f, time_point now) {
    auto locked = take_lock(f);
    if (!locked || !*locked) return std::nullopt;
    auto next = claim_next(f, now);
    if (next && *next) return std::move(**next);
    release_lock(f);
    return std::nullopt;
  }

  /// Records a trigger that cannot start now: as the flow's one pending run, or folded into
  /// the pending run that exists. With `fire_key` (a schedule fire time) the trigger's own row
  /// claims the fire time, as the pending run or as a skipped row pointing at the pending one.
  gg::result<trigger_result> enqueue(flow_slot& f, run_record rec, bool fire_key, time_point now) {
    auto lease = control_conn();
    if (!lease) return lease.error();
    auto& c = **lease;
    auto tx = pg::transaction::begin(c);
    if (!tx) return tx.error();
    // Serialises enqueues of one flow across processes, so two never both insert a pending run.
    if (auto r =
            c.exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", queue_key(f.def.name));
        !r) {
      return r.error();
    }
    auto pending = c.exec(
        "SELECT id::text, parameters::text FROM pipeline.flow_runs WHERE flow = $1 AND state = "
        "'pending' ORDER BY created_at, id LIMIT 1 FOR UPDATE",
        f.def.name);
    if (!pending) return pending.error();
    trigger_result out;
    out.state = run_state::pending;
    if (pending->rows() == 0) {
      auto inserted = insert_run(c, rec, run_state::pending, fire_key, now);
      if (!inserted) return inserted.error();
      if (auto st = tx->commit(); !st) return st.error();
      if (!*inserted) return gg::fail(errc::conflict, "the fire time already has its run");
      out.run_id = rec.id;
      log.info("flow run queued behind the running one",
               {{"flow", f.def.name}, {"run", rec.id}, {"trigger", to_string(rec.trigger)}});
      return out;
    }
    const std::string pending_id(pending->get(0, 0));
    if (fire_key) {
      rec.error = fmt::format("coalesced into pending run {}", pending_id);
      auto inserted = insert_run(c, rec, run_state::skipped, true, now);
      if (!inserted) return inserted.error();
      if (!*inserted) return gg::fail(errc::conflict, "the fire time already has its run");
    } else if (pending->get(0, 1) == "{}" && !rec.params.empty()) {
      if (auto r =
              c.exec("UPDATE pipeline.flow_runs SET parameters = $2::jsonb WHERE id = $1::uuid",
                     pending_id, params_json(rec.params));
          !r) {
        return r.error();
      }
    }
    run_record pending_rec;
    pending_rec.id = pending_id;
    pending_rec.flow = f.def.name;
    detail::write_run_log(
        c, pending_rec, {}, log_level::info,
        fmt::format("a {} trigger was coalesced into this run", to_string(rec.trigger)), now);
    if (auto st = tx->commit(); !st) return st.error();
    out.run_id = pending_id;
    out.coalesced = true;
    return out;
  }

  // --- running -------------------------------------------------------------------------------

  /// Waits until the injected clock reaches `due` or the run is stopped; poll() wakes it after
  /// moving the clock, the real clock's passing wakes it otherwise. False when stopped.
  bool sleep_until(time_point due, const std::stop_token& stop) {
    std::stop_callback wake(stop, [this] { notify(); });
    std::unique_lock lock(m);
    while (!stop.stop_requested()) {
      const auto now = opt.now();
      if (now >= due) return true;
      if (opt.tick > milliseconds::zero()) {
        changed.wait_for(lock, std::min<std::chrono::nanoseconds>(due - now, opt.tick));
      } else {
        const auto seen = generation;
        changed.wait(lock, [&] { return generation != seen || stop.stop_requested(); });
      }
    }
    return false;
  }

  run_outcome stopped_outcome(const flow_slot& f, const active_run& run) {
    switch (run.reason.load()) {
      case stop_reason::timeout:
        return {run_state::failed,
                fmt::format("timed out after {}", format_duration(f.def.timeout))};
      case stop_reason::shutdown:
        return {run_state::cancelled, "cancelled: the process is stopping"};
      case stop_reason::cancel:
      case stop_reason::none:
        break;
    }
    return {run_state::cancelled, "cancelled"};
  }

  /// Runs the flow's tasks in order on this (blocking pool) thread.
  run_outcome execute(flow_slot& f, active_run& run) {
    const auto stop = run.stop.get_token();
    auto& conn = *f.conn;
    const auto on_write = [this] { notify(); };
    for (std::size_t position = 0; position < f.def.tasks.size(); ++position) {
      const auto& task = f.def.tasks[position];
      for (unsigned attempt = 1;; ++attempt) {
        if (stop.stop_requested()) return stopped_outcome(f, run);
        const auto began = opt.now();
        auto row = conn.exec(
            "INSERT INTO pipeline.task_runs (flow_run, task, position, attempt, state, "
            "started_at) VALUES ($1::uuid, $2, $3, $4, 'running', $5::timestamptz) RETURNING id",
            run.rec.id, task.name, position, attempt, time_param(began));
        if (!row) {
          return {run_state::failed, fmt::format("task \"{}\" could not be recorded: {}", task.name,
                                                 row.error().message)};
        }
        const std::string row_id(row->get(0, 0));
        notify();
        detail::run_context ctx(conn, run.rec, task.name, stop, opt.now, on_write);
        const auto st = call_task(task.fn, ctx);
        const auto ended = opt.now();
        // A task that fails once its stop was requested was cancelled (a cancelled statement
        // reports itself as a database error).
        const char* state = st ? "completed" : (stop.stop_requested() ? "cancelled" : "failed");
        const auto error = st ? std::nullopt : std::optional<std::string>(st.error().message);
        if (auto r =
                conn.exec("UPDATE pipeline.task_runs SET state = $2, ended_at = $3::timestamptz, "
                          "duration_s = $4, error = $5 WHERE id = $1",
                          row_id, state, time_param(ended), seconds_between(began, ended), error);
            !r) {
          log.warn("a task run's end was not stored", {{"flow", f.def.name},
                                                       {"run", run.rec.id},
                                                       {"task", task.name},
                                                       {"error", r.error().message}});
        }
        notify();
        if (st) break;
        if (stop.stop_requested()) return stopped_outcome(f, run);
        const auto delay = task.retry ? retries.delay_after(*task.retry, attempt) : std::nullopt;
        if (!delay) {
          return {run_state::failed,
                  fmt::format("task \"{}\" failed: {}", task.name, st.error().message)};
        }
        detail::write_run_log(conn, run.rec, task.name, log_level::warn,
                              fmt::format("attempt {} failed, retrying in {}: {}", attempt,
                                          format_duration(*delay), st.error().message),
                              ended);
        notify();
        if (!sleep_until(ended + *delay, stop)) return stopped_outcome(f, run);
      }
    }
    // Every task finished: a stop requested after the last one changes nothing.
    return {run_state::completed, {}};
  }

  /// The worker: executes `run`, records its end, and goes on with the next pending run of the
  /// flow while it holds the flow's lock.
  void work(flow_slot& f, std::shared_ptr<active_run> run) {
    while (run) {
      auto outcome = execute(f, *run);
      run = finish(f, *run, std::move(outcome));
    }
    // Notified under the mutex: once the destructor sees no workers, this thread must not
    // touch the engine again.
    std::lock_guard lock(m);
    --workers;
    ++generation;
    changed.notify_all();
  }

  /// Records the end of `run` (and its retry) in one transaction. Returns the next run to
  /// execute, or nullptr after releasing the flow.
  std::shared_ptr<active_run> finish(flow_slot& f, active_run& run, run_outcome outcome) {
    run.ending = true;
    std::lock_guard control(f.control);
    const auto ended = opt.now();
    const double duration = seconds_between(run.started, ended);
    std::optional<run_record> retry;
    auto recorded = record_end(f, run, outcome, ended, duration, retry);
    if (!recorded && (!f.conn || !f.conn->is_open())) {
      // The connection broke (and took the flow's lock with it): record the end on a new one.
      f.conn.reset();
      f.locked = false;
      if (ensure_conn(f)) recorded = record_end(f, run, outcome, ended, duration, retry);
    }
    note_db(recorded ? gg::status{} : gg::status{recorded.error()});
    if (!recorded) {
      log.error("a flow run's end was not stored; its lease will expire and mark it crashed",
                {{"flow", f.def.name}, {"run", run.rec.id}, {"error", recorded.error().message}});
    } else if (*recorded) {
      f.count_end(outcome.state);
      f.duration.observe(duration);
      std::string message =
          outcome.state == run_state::completed
              ? fmt::format(
                    "run completed in {}",
                    format_duration(std::chrono::duration_cast<milliseconds>(ended - run.started)))
              : fmt::format("run {}: {}", to_string(outcome.state), outcome.error);
      if (retry) {
        message += fmt::format("; retry {} scheduled in {}", retry->attempt - 1,
                               format_duration(std::chrono::duration_cast<milliseconds>(
                                   *retry->scheduled_for - ended)));
      }
      if (f.conn) {
        detail::write_run_log(
            *f.conn, run.rec, {},
            outcome.state == run_state::completed ? log_level::info : log_level::error, message,
            ended);
      }
    }

    std::shared_ptr<active_run> next;
    bool stopping_now = false;
    {
      std::lock_guard lock(m);
      stopping_now = stopping;
    }
    if (!stopping_now && f.conn && f.locked) {
      auto claimed = claim_next(f, ended);
      if (claimed && *claimed) {
        next = std::make_shared<active_run>();
        next->rec = std::move(**claimed);
        next->started = ended;
        next->renewed = ended;
        log.info("flow run started", {{"flow", f.def.name},
                                      {"run", next->rec.id},
                                      {"trigger", to_string(next->rec.trigger)},
                                      {"attempt", next->rec.attempt}});
      } else if (!claimed) {
        log.warn("the next pending run could not be claimed",
                 {{"flow", f.def.name}, {"error", claimed.error().message}});
      }
    }
    if (!next) {
      release_lock(f);
      // A process that queued a run while this one held the lock, after the look above, may
      // have failed to take the lock: look once more now that it is free.
      if (!stopping_now && f.conn) {
        if (auto waiting = claim_waiting(f, ended)) {
          next = std::make_shared<active_run>();
          next->rec = std::move(*waiting);
          next->started = ended;
          next->renewed = ended;
        }
      }
    }
    {
      std::lock_guard lock(m);
      f.current = next;
      f.busy = next != nullptr;
      f.status.running = f.busy;
      if (outcome.state == run_state::completed && recorded && *recorded) {
        f.status.last_success = ended;
      }
      ++generation;
    }
    f.running_gauge.set(next ? 1 : 0);
    if (outcome.state == run_state::completed && recorded && *recorded) {
      f.last_success_gauge.set(std::chrono::duration<double>(ended.time_since_epoch()).count());
    }
    if (f.conn) refresh_status(f, *f.conn, ended);
    changed.notify_all();
    return next;
  }

  /// The end of a run and, when its policy allows, its retry; true when the run's row was
  /// still running (false: another process marked it crashed meanwhile).
  gg::result<bool> record_end(flow_slot& f, active_run& run, const run_outcome& outcome,
                              time_point ended, double duration, std::optional<run_record>& retry) {
    retry.reset();
    auto& c = *f.conn;
    auto tx = pg::transaction::begin(c);
    if (!tx) return tx.error();
    const auto error =
        outcome.error.empty() ? std::nullopt : std::optional<std::string_view>(outcome.error);
    auto r = c.exec(
        "UPDATE pipeline.flow_runs SET state = $2, ended_at = $3::timestamptz, duration_s = $4, "
        "error = $5, lease_until = NULL WHERE id = $1::uuid AND state = 'running' RETURNING id",
        run.rec.id, to_string(outcome.state), time_param(ended), duration, error);
    if (!r) return r.error();
    if (r->rows() == 0) {
      log.warn("a flow run ended after another process marked it crashed",
               {{"flow", f.def.name}, {"run", run.rec.id}});
      return false;
    }
    if (outcome.state == run_state::failed) {
      if (auto delay = retries.delay_after(f.def.retry, run.rec.attempt)) {
        retry = retry_of(run.rec, ended + *delay, ended);
        auto inserted = insert_run(c, *retry, run_state::scheduled, false, ended);
        if (!inserted) return inserted.error();
      }
    }
    if (auto st = tx->commit(); !st) return st.error();
    log.info("flow run ended", {{"flow", f.def.name},
                                {"run", run.rec.id},
                                {"state", to_string(outcome.state)},
                                {"duration_s", duration},
                                {"error", outcome.error}});
    return true;
  }

  run_record retry_of(const run_record& failed, time_point at, time_point now) {
    run_record rec;
    rec.id = uuid_v7().to_string();
    rec.flow = failed.flow;
    rec.trigger = trigger_kind::retry;
    rec.state = run_state::scheduled;
    rec.attempt = failed.attempt + 1;
    rec.parent_run = failed.id;
    rec.scheduled_for = at;
    rec.created_at = now;
    rec.params = failed.params;
    rec.node = opt.node;
    return rec;
  }

  // --- triggering ----------------------------------------------------------------------------

  gg::result<trigger_result> trigger(flow_slot& f, trigger_kind kind, parameters params) {
    std::lock_guard control(f.control);
    bool busy = false;
    {
      std::lock_guard lock(m);
      if (!started || stopping) {
        return gg::fail(errc::unavailable, stopping ? "the flows engine is stopping"
                                                    : "the flows engine is not started");
      }
      busy = f.busy;
    }
    const auto now = opt.now();
    auto rec = new_run(f, kind, std::move(params), now);
    if (!busy) {
      auto locked = take_lock(f);
      if (!locked) {
        note_db(locked.error());
        return locked.error();
      }
      if (*locked) {
        auto inserted = insert_run(*f.conn, rec, run_state::running, false, now);
        if (!inserted) {
          release_lock(f);
          note_db(inserted.error());
          return inserted.error();
        }
        trigger_result out{rec.id, run_state::running, false};
        start_worker(f, std::move(rec), now);
        return out;
      }
    }
    auto out = enqueue(f, std::move(rec), false, now);
    if (out) {
      {
        std::lock_guard lock(m);
        f.status.pending = true;
        ++generation;
      }
      if (!busy) {
        // The holder elsewhere may have unlocked after its last look for pending runs.
        if (auto waiting = claim_waiting(f, now)) start_worker(f, std::move(*waiting), now);
      }
    }
    changed.notify_all();
    return out;
  }

  /// Claims fire time `due` of `f`: starts its run, or queues it behind the running one.
  void fire(flow_slot& f, time_point due, time_point now) {
    std::lock_guard control(f.control);
    bool busy = false;
    {
      std::lock_guard lock(m);
      if (!started || stopping) return;
      busy = f.busy;
    }
    auto rec = new_run(f, trigger_kind::schedule, {}, now);
    rec.scheduled_for = due;
    if (!busy) {
      auto locked = take_lock(f);
      if (!locked) {
        note_db(locked.error());
        log.warn("a fire time could not be claimed",
                 {{"flow", f.def.name}, {"error", locked.error().message}});
        return;
      }
      if (*locked) {
        auto inserted = insert_run(*f.conn, rec, run_state::running, true, now);
        if (inserted && *inserted) {
          start_worker(f, std::move(rec), now);
          return;
        }
        release_lock(f);
        if (!inserted) {
          note_db(inserted.error());
          log.warn("a fire time could not be claimed",
                   {{"flow", f.def.name}, {"error", inserted.error().message}});
        }
        return;
      }
    }
    auto queued = enqueue(f, std::move(rec), true, now);
    if (!queued && queued.error().code != errc::conflict) {
      log.warn("a fire time could not be queued",
               {{"flow", f.def.name}, {"error", queued.error().message}});
    }
    if (queued && !busy) {
      if (auto waiting = claim_waiting(f, now)) start_worker(f, std::move(*waiting), now);
    }
  }

  // --- recovery ------------------------------------------------------------------------------

  std::vector<std::string> flow_names() const {
    std::vector<std::string> names;
    for (const auto& f : flows) names.push_back(f->def.name);
    return names;
  }

  /// Marks runs of this process's flows whose holder is gone as crashed (their running task
  /// runs too) and schedules their retries, all in one transaction. `own_node` also takes runs
  /// recorded under this node's name (an earlier life of it), which is only true at start().
  gg::status recover(time_point now, const std::vector<std::string>& local_runs, bool own_node) {
    auto lease = control_conn();
    if (!lease) return lease.error();
    auto& c = **lease;
    auto tx = pg::transaction::begin(c);
    if (!tx) return tx.error();
    // A run held by a process of this machine that is gone is crashed now, not when its lease
    // runs out: serve restarted after a SIGKILL finds its previous life's runs at once.
    std::vector<std::string> gone;
    if (local_node) {
      auto held = c.exec(
          "SELECT DISTINCT node FROM pipeline.flow_runs WHERE state = 'running' AND node IS NOT "
          "NULL AND flow = ANY($1::text[])",
          array_param(flow_names()));
      if (!held) return held.error();
      for (int i = 0; i < held->rows(); ++i) {
        const std::string node(held->get(i, 0));
        if (node != opt.node && local_process_gone(node, *local_node)) gone.push_back(node);
      }
    }
    if (own_node) gone.push_back(opt.node);
    auto crashed = c.exec(
        fmt::format("UPDATE pipeline.flow_runs AS r SET state = 'crashed', ended_at = "
                    "$1::timestamptz, duration_s = extract(epoch FROM ($1::timestamptz - "
                    "coalesce(r.started_at, r.created_at))), error = 'process ' || "
                    "coalesce(r.node, 'unknown') || ' stopped responding', lease_until = NULL "
                    "WHERE r.state = 'running' AND r.flow = ANY($2::text[]) AND NOT (r.id = "
                    "ANY($3::uuid[])) AND (r.lease_until IS NULL OR r.lease_until < "
                    "$1::timestamptz OR r.node = ANY($4::text[])) RETURNING {}",
                    run_columns),
        time_param(now), array_param(flow_names()), array_param(local_runs), array_param(gone));
    if (!crashed) return crashed.error();
    if (crashed->rows() == 0) return tx->commit();
    std::vector<std::string> ids;
    std::vector<std::pair<run_record, std::optional<run_record>>> done;
    for (int i = 0; i < crashed->rows(); ++i) {
      auto rec = read_run(*crashed, i);
      if (!rec) return rec.error();
      ids.push_back(rec->id);
      std::optional<run_record> retry;
      const auto* f = find(rec->flow);
      if (f) {
        if (auto delay = retries.delay_after(f->def.retry, rec->attempt)) {
          retry = retry_of(*rec, now + *delay, now);
          auto inserted = insert_run(c, *retry, run_state::scheduled, false, now);
          if (!inserted) return inserted.error();
        }
      }
      std::string message = rec->error;
      if (retry) {
        message += fmt::format(
            "; retry {} scheduled in {}", retry->attempt - 1,
            format_duration(std::chrono::duration_cast<milliseconds>(*retry->scheduled_for - now)));
      }
      detail::write_run_log(c, *rec, {}, log_level::error, message, now);
      done.emplace_back(std::move(*rec), std::move(retry));
    }
    if (auto r = c.exec(
            "UPDATE pipeline.task_runs SET state = 'crashed', ended_at = $2::timestamptz, "
            "duration_s = extract(epoch FROM ($2::timestamptz - started_at)), error = 'its "
            "process stopped responding' WHERE flow_run = ANY($1::uuid[]) AND state = 'running'",
            array_param(ids), time_param(now));
        !r) {
      return r.error();
    }
    if (auto st = tx->commit(); !st) return st.error();
    for (const auto& [rec, retry] : done) {
      // Only this engine's flows are swept (flow_names() above), so the slot is there.
      if (flow_slot* f = find(rec.flow)) {
        f->count_end(run_state::crashed);
      }
      log.warn("flow run crashed", {{"flow", rec.flow},
                                    {"run", rec.id},
                                    {"node", rec.node},
                                    {"retry", retry ? std::string_view(retry->id) : "none"}});
    }
    return {};
  }

  /// Renews the leases of this process's running runs whose heartbeat is due, and stops the
  /// ones past their flow's timeout. Returns the ids of the runs executing here.
  std::vector<std::string> tend_local_runs(time_point now) {
    std::vector<std::string> local;
    std::vector<std::string> renew;
    std::vector<std::shared_ptr<active_run>> renewed;
    std::vector<std::shared_ptr<active_run>> timed_out;
    {
      std::lock_guard lock(m);
      for (auto& f : flows) {
        auto run = f->current;
        if (!run) continue;
        local.push_back(run->rec.id);
        if (f->def.timeout > milliseconds::zero() && now - run->started >= f->def.timeout &&
            run->reason.load() == stop_reason::none) {
          log.warn("flow run timed out; stopping it",
                   {{"flow", f->def.name},
                    {"run", run->rec.id},
                    {"timeout", format_duration(f->def.timeout)}});
          timed_out.push_back(run);
        }
        if (now - run->renewed >= opt.heartbeat || run->renewed + opt.lease_ttl <= now) {
          renew.push_back(run->rec.id);
          renewed.push_back(run);
        }
      }
    }
    // Outside the mutex: stop callbacks (a waiting retry, a statement cancel) may take it.
    for (auto& run : timed_out) run->request(stop_reason::timeout);
    if (!renew.empty()) {
      auto lease = control_conn();
      gg::status st = lease ? gg::status{} : gg::status{lease.error()};
      if (lease) {
        auto r = (*lease)->exec(
            "UPDATE pipeline.flow_runs SET lease_until = $2::timestamptz, heartbeat_at = "
            "$3::timestamptz WHERE id = ANY($1::uuid[]) AND state = 'running' AND node = $4",
            array_param(renew), time_param(now + opt.lease_ttl), time_param(now), opt.node);
        if (!r) st = r.error();
      }
      note_db(st);
      if (st) {
        for (auto& run : renewed) run->renewed = now;
      } else {
        log.warn("leases of running flow runs were not renewed", {{"error", st.error().message}});
      }
    }
    return local;
  }

  /// Starts the runs of idle flows that may start now: pending ones and due retries, of this
  /// process or of a dead one.
  void start_waiting_runs(time_point now) {
    gg::result<pg::query_result> r = gg::fail(errc::unavailable, "no connection");
    {
      // Only for the look; starting a run uses the flow's own connection.
      auto lease = control_conn();
      if (!lease) {
        note_db(lease.error());
        return;
      }
      r = (*lease)->exec(
          "SELECT DISTINCT flow FROM pipeline.flow_runs WHERE flow = ANY($1::text[]) AND (state "
          "= 'pending' OR (state = 'scheduled' AND scheduled_for <= $2::timestamptz))",
          array_param(flow_names()), time_param(now));
    }
    if (!r) {
      note_db(r.error());
      return;
    }
    for (int i = 0; i < r->rows(); ++i) {
      auto* f = find(r->get(i, 0));
      if (!f) continue;
      std::lock_guard control(f->control);
      {
        std::lock_guard lock(m);
        if (stopping || f->busy) continue;
      }
      if (auto waiting = claim_waiting(*f, now)) start_worker(*f, std::move(*waiting), now);
    }
  }

  // --- status --------------------------------------------------------------------------------

  /// Re-reads a flow's history (last run, last success, failures in a row, pending and running
  /// runs of any process), then judges its freshness.
  void refresh_status(flow_slot& f, pg::connection& c, time_point now) {
    auto recent = c.exec(fmt::format("SELECT {} FROM pipeline.flow_runs r WHERE r.flow = $1 AND "
                                     "r.state NOT IN ('scheduled', 'pending') ORDER BY "
                                     "r.created_at DESC, r.id DESC LIMIT 10",
                                     run_columns),
                         f.def.name);
    auto live = c.exec(
        "SELECT coalesce(bool_or(state = 'pending'), false), coalesce(bool_or(state = "
        "'running'), false) FROM pipeline.flow_runs WHERE flow = $1 AND state IN ('pending', "
        "'running')",
        f.def.name);
    if (!recent || !live) {
      note_db(recent ? gg::status{live.error()} : gg::status{recent.error()});
      return;
    }
    std::optional<run_record> last;
    std::optional<time_point> last_success;
    unsigned failures = 0;
    bool counting = true;
    for (int i = 0; i < recent->rows(); ++i) {
      auto rec = read_run(*recent, i);
      if (!rec) continue;
      if (!last) last = *rec;
      if (rec->state == run_state::completed) {
        if (!last_success) last_success = rec->ended_at;
        counting = false;
      } else if (counting &&
                 (rec->state == run_state::failed || rec->state == run_state::crashed)) {
        ++failures;
      }
    }
    if (!last_success) {
      auto r = c.exec(
          "SELECT (extract(epoch FROM ended_at) * 1000000)::bigint FROM pipeline.flow_runs "
          "WHERE flow = $1 AND state = 'completed' ORDER BY created_at DESC, id DESC LIMIT 1",
          f.def.name);
      if (r && r->rows() == 1) last_success = detail::read_time(*r, 0, 0);
    }
    bool turned = false;
    bool stale = false;
    std::string reason;
    {
      std::lock_guard lock(m);
      auto& s = f.status;
      s.last_run = std::move(last);
      s.last_success = last_success;
      s.consecutive_failures = failures;
      s.pending = live->get(0, 0) == "t";
      s.running = f.busy || live->get(0, 1) == "t";
      s.next_fire = f.def.enabled ? f.next_fire : std::nullopt;
      const bool was_stale = s.stale;
      judge(f, now);
      stale = s.stale;
      reason = s.stale_reason;
      turned = stale != was_stale;
      ++generation;
    }
    if (last_success) {
      f.last_success_gauge.set(
          std::chrono::duration<double>(last_success->time_since_epoch()).count());
    }
    f.stale_gauge.set(stale ? 1 : 0);
    if (turned) {
      if (stale) {
        log.warn("flow is stale", {{"flow", f.def.name}, {"reason", reason}});
      } else {
        log.info("flow is fresh again", {{"flow", f.def.name}});
      }
    }
    changed.notify_all();
  }

  /// Freshness from the cached status. Caller holds `m`.
  void judge(flow_slot& f, time_point now) {
    auto& s = f.status;
    s.stale = false;
    s.stale_reason.clear();
    if (s.consecutive_failures >= stale_after_failures) {
      s.stale = true;
      s.stale_reason = fmt::format("failed {} times in a row", s.consecutive_failures);
      if (s.last_run && !s.last_run->error.empty()) s.stale_reason += ": " + s.last_run->error;
      return;
    }
    if (f.def.max_staleness <= milliseconds::zero() || !f.def.enabled) return;
    const auto since = s.last_success.value_or(started_at);
    const auto age = std::chrono::duration_cast<milliseconds>(now - since);
    if (age <= f.def.max_staleness) return;
    s.stale = true;
    s.stale_reason = s.last_success
                         ? fmt::format("no completed run for {} (limit {})", format_duration(age),
                                       format_duration(f.def.max_staleness))
                         : fmt::format("no completed run in the {} since start-up (limit {})",
                                       format_duration(age), format_duration(f.def.max_staleness));
  }

  // --- the tick ------------------------------------------------------------------------------

  void poll() {
    std::lock_guard polling(poll_mutex);
    {
      std::lock_guard lock(m);
      if (!started || stopping) return;
    }
    const auto now = opt.now();
    const auto local = tend_local_runs(now);
    if (auto st = recover(now, local, false); !st) {
      note_db(st);
      log.warn("expired leases could not be checked", {{"error", st.error().message}});
    }
    for (auto& f : flows) {
      if (!f->def.enabled || f->def.when.empty()) continue;
      std::optional<time_point> due;
      {
        std::lock_guard lock(m);
        if (f->next_fire && *f->next_fire <= now) {
          // A late tick (a stalled process, a clock step) fires once, for the latest fire time.
          due = f->def.when.last_at_or_before(now);
          f->next_fire = f->def.when.next_after(now);
        }
      }
      if (due) fire(*f, *due, now);
    }
    start_waiting_runs(now);
    if (auto lease = control_conn()) {
      for (auto& f : flows) refresh_status(*f, **lease, now);
      note_db(gg::status{});
    } else {
      note_db(lease.error());
    }
    notify();
  }

  /// At start: fires the latest fire time once when it has no run yet and no run of the flow
  /// was made since (the catch-up for fire times missed while no process ran).
  void catch_up(time_point now) {
    for (auto& f : flows) {
      if (!f->def.enabled || f->def.when.empty()) continue;
      {
        std::lock_guard lock(m);
        f->next_fire = f->def.when.next_after(now);
      }
      const auto latest = f->def.when.last_at_or_before(now);
      if (!latest) continue;
      bool ran_since = true;
      {
        auto lease = control_conn();
        if (!lease) continue;
        auto r = (*lease)->exec(
            "SELECT EXISTS (SELECT 1 FROM pipeline.flow_runs WHERE flow = $1 AND (created_at >= "
            "$2::timestamptz OR (trigger = 'schedule' AND scheduled_for >= $2::timestamptz)))",
            f->def.name, time_param(*latest));
        ran_since = !r || r->get(0, 0) == "t";
      }
      if (ran_since) continue;
      log.info("catching up on a missed fire time",
               {{"flow", f->def.name}, {"fire_time", time_param(*latest)}});
      fire(*f, *latest, now);
    }
  }
};

engine::engine(engine_options options, sched::scheduler& scheduler)
    : impl_(std::make_unique<impl>(std::move(options), scheduler)) {}

engine::~engine() {
  bool running = false;
  {
    std::lock_guard lock(impl_->m);
    running = impl_->started && !impl_->drained;
  }
  if (running) {
    request_stop();
    (void)drain(gg::deadline::max());
  }
  {
    std::lock_guard gate(impl_->gate->m);
    impl_->gate->target = nullptr;
  }
  // A worker still running here would outlive the engine; drain() waited for all of them.
  std::unique_lock lock(impl_->m);
  impl_->changed.wait(lock, [&] { return impl_->workers == 0; });
}

gg::status engine::add_flow(flow_definition flow) {
  if (!valid_flow_name(flow.name)) {
    return gg::fail(errc::invalid_input,
                    fmt::format("flow name \"{}\" is not [a-z0-9_-]+", flow.name));
  }
  if (flow.tasks.empty()) {
    return gg::fail(errc::invalid_input, fmt::format("flow \"{}\" has no tasks", flow.name));
  }
  for (std::size_t i = 0; i < flow.tasks.size(); ++i) {
    const auto& t = flow.tasks[i];
    if (t.name.empty() || !t.fn) {
      return gg::fail(
          errc::invalid_input,
          fmt::format("flow \"{}\": task {} needs a name and a function", flow.name, i + 1));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (flow.tasks[j].name == t.name) {
        return gg::fail(errc::invalid_input,
                        fmt::format("flow \"{}\": task \"{}\" appears twice", flow.name, t.name));
      }
    }
  }
  if (flow.when.interval && *flow.when.interval <= milliseconds::zero()) {
    return gg::fail(errc::invalid_input,
                    fmt::format("flow \"{}\": the interval must be positive", flow.name));
  }
  std::lock_guard lock(impl_->m);
  if (impl_->started) {
    return gg::fail(errc::conflict,
                    fmt::format("flow \"{}\" added after the engine started", flow.name));
  }
  if (impl_->find(flow.name)) {
    return gg::fail(errc::conflict, fmt::format("flow \"{}\" is already registered", flow.name));
  }
  auto slot = std::make_unique<flow_slot>(std::move(flow), impl_->metrics_registry());
  auto& s = slot->status;
  s.name = slot->def.name;
  s.description = slot->def.description;
  s.schedule = slot->def.when.to_string();
  s.enabled = slot->def.enabled;
  s.max_staleness = slot->def.max_staleness;
  impl_->flows.push_back(std::move(slot));
  return {};
}

gg::status engine::start() {
  auto& d = *impl_;
  {
    std::lock_guard lock(d.m);
    if (d.started) return gg::fail(errc::conflict, "the flows engine is already started");
  }
  if (!d.opt.conninfo) return gg::fail(errc::config, "the flows engine has no database");
  pg::pool_options po;
  po.conninfo = d.opt.conninfo();
  po.size = 3;
  po.name = "flows";
  po.metrics = d.opt.metrics;
  d.pool = std::make_unique<pg::pool>(std::move(po));
  {
    auto probe = d.pool->acquire(pool_wait);
    if (!probe) return probe.error().with_context("flows engine");
  }
  const auto now = d.opt.now();
  {
    std::lock_guard lock(d.m);
    d.started = true;
    d.started_at = now;
    d.db_health = gg::health{health_state::up, {}};
  }
  if (auto st = d.recover(now, {}, true); !st) {
    std::lock_guard lock(d.m);
    d.started = false;
    return st.error().with_context("recovering flow runs");
  }
  d.catch_up(now);
  d.poll();
  if (d.opt.tick > milliseconds::zero()) {
    static std::atomic<unsigned> instances{0};
    const auto n = instances.fetch_add(1);
    sched::job_options jo;
    jo.retry.retries = 0;
    auto gate = d.gate;
    auto job = d.sched.every(
        n == 0 ? std::string("flows") : fmt::format("flows-{}", n), d.opt.tick,
        [gate](std::stop_token) -> gg::status {
          std::lock_guard lock(gate->m);
          if (gate->target) gate->target->poll();
          return {};
        },
        jo);
    if (!job) {
      request_stop();
      (void)drain(gg::deadline::max());
      return job.error().with_context("flows engine tick");
    }
    std::lock_guard lock(d.m);
    d.tick_job = *job;
  }
  log.info("flows engine started", {{"flows", d.flows.size()}, {"node", d.opt.node}});
  return {};
}

void engine::request_stop() {
  auto& d = *impl_;
  std::optional<sched::job_id> job;
  std::vector<std::shared_ptr<active_run>> running;
  {
    std::lock_guard lock(d.m);
    if (d.stopping) return;
    d.stopping = true;
    job = d.tick_job;
    for (auto& f : d.flows) {
      if (f->current) running.push_back(f->current);
    }
    ++d.generation;
  }
  for (auto& run : running) run->request(stop_reason::shutdown);
  if (job) (void)d.sched.cancel(*job);
  d.changed.notify_all();
}

gg::status engine::drain(gg::deadline until) {
  auto& d = *impl_;
  std::unique_lock lock(d.m);
  const bool idle = d.changed.wait_until(lock, until, [&] { return d.workers == 0; });
  if (!idle) {
    std::string left;
    for (const auto& f : d.flows) {
      if (f->busy) left += (left.empty() ? "" : ", ") + f->def.name;
    }
    return gg::fail(errc::timeout, fmt::format("flow runs still being cancelled: {}", left));
  }
  d.drained = true;
  d.db_health = gg::health{health_state::stopped, {}};
  return {};
}

gg::health engine::health() const {
  std::lock_guard lock(impl_->m);
  return impl_->db_health;
}

gg::result<trigger_result> engine::trigger(std::string_view flow, trigger_kind kind,
                                           parameters params) {
  auto* f = impl_->find(flow);
  if (!f) return gg::fail(errc::not_found, fmt::format("no flow named \"{}\"", flow));
  return impl_->trigger(*f, kind, std::move(params));
}

gg::result<run_record> engine::wait(
    std::string_view run_id, std::optional<gg::deadline> until,
    std::function<void(log_level, std::string_view task, std::string_view message)> on_log) {
  auto& d = *impl_;
  if (!parse_uuid(run_id)) return gg::fail(errc::not_found, fmt::format("no run {}", run_id));
  if (!d.opt.conninfo) return gg::fail(errc::config, "the flows engine has no database");
  auto conn = pg::connection::open(d.opt.conninfo());
  if (!conn) return conn.error();
  std::string current(run_id);
  std::int64_t last_log = 0;
  std::uint64_t seen = 0;
  for (;;) {
    {
      std::lock_guard lock(d.m);
      seen = d.generation;
    }
    if (on_log) {
      auto logs = conn->exec(
          "SELECT id, coalesce(task, ''), level, message FROM pipeline.run_logs WHERE flow_run = "
          "$1::uuid AND id > $2 ORDER BY id",
          current, last_log);
      if (!logs) return logs.error();
      for (int i = 0; i < logs->rows(); ++i) {
        if (auto id = logs->get_int64(i, 0)) last_log = std::max(last_log, *id);
        on_log(parse_log_level(logs->get(i, 2)).value_or(log_level::info), logs->get(i, 1),
               logs->get(i, 3));
      }
    }
    auto r = conn->exec(
        fmt::format("SELECT {} FROM pipeline.flow_runs r WHERE r.id = $1::uuid", run_columns),
        current);
    if (!r) return r.error();
    if (r->rows() == 0) return gg::fail(errc::not_found, fmt::format("no run {}", current));
    auto rec = read_run(*r, 0);
    if (!rec) return rec.error();
    if (is_final(rec->state)) {
      if (rec->state == run_state::failed || rec->state == run_state::crashed) {
        auto child = conn->exec(
            "SELECT id::text FROM pipeline.flow_runs WHERE parent_run = $1::uuid AND trigger = "
            "'retry' ORDER BY created_at DESC, id DESC LIMIT 1",
            current);
        if (!child) return child.error();
        if (child->rows() == 1) {
          current = std::string(child->get(0, 0));
          last_log = 0;
          continue;
        }
      }
      if (on_log) {
        // Lines written in the same transaction as the end are already visible; one more
        // read catches the final line written just after it.
        auto logs = conn->exec(
            "SELECT coalesce(task, ''), level, message FROM pipeline.run_logs WHERE flow_run = "
            "$1::uuid AND id > $2 ORDER BY id",
            current, last_log);
        if (logs) {
          for (int i = 0; i < logs->rows(); ++i) {
            on_log(parse_log_level(logs->get(i, 1)).value_or(log_level::info), logs->get(i, 0),
                   logs->get(i, 2));
          }
        }
      }
      return std::move(*rec);
    }
    std::unique_lock lock(d.m);
    auto wake = std::chrono::steady_clock::now() + wait_recheck;
    if (until && *until < wake) wake = *until;
    d.changed.wait_until(lock, wake, [&] { return d.generation != seen; });
    if (until && std::chrono::steady_clock::now() >= *until) {
      return gg::fail(errc::timeout,
                      fmt::format("run {} is still {}", current, to_string(rec->state)));
    }
  }
}

gg::status engine::cancel(std::string_view run_id) {
  auto& d = *impl_;
  if (!parse_uuid(run_id)) return gg::fail(errc::not_found, fmt::format("no run {}", run_id));
  std::shared_ptr<active_run> local;
  {
    std::lock_guard lock(d.m);
    for (auto& f : d.flows) {
      if (f->current && f->current->rec.id == run_id && !f->current->ending) local = f->current;
    }
  }
  if (local) {
    local->request(stop_reason::cancel);
    log.info("flow run cancelled", {{"flow", local->rec.flow}, {"run", run_id}});
    d.notify();
    return {};
  }
  auto lease = d.control_conn();
  if (!lease) return lease.error();
  auto& c = **lease;
  const auto now = d.opt.now();
  auto r = c.exec(fmt::format("UPDATE pipeline.flow_runs AS r SET state = 'cancelled', ended_at = "
                              "$2::timestamptz, duration_s = 0, error = 'cancelled before it "
                              "started' WHERE r.id = $1::uuid AND r.state IN ('pending', "
                              "'scheduled') RETURNING {}",
                              run_columns),
                  run_id, time_param(now));
  if (!r) return r.error();
  if (r->rows() == 1) {
    if (auto rec = read_run(*r, 0)) {
      detail::write_run_log(c, *rec, {}, log_level::info, "run cancelled before it started", now);
      if (auto* f = d.find(rec->flow)) d.refresh_status(*f, c, now);
    }
    d.notify();
    return {};
  }
  auto row = c.exec("SELECT state, coalesce(node, '') FROM pipeline.flow_runs WHERE id = $1::uuid",
                    run_id);
  if (!row) return row.error();
  if (row->rows() == 0) return gg::fail(errc::not_found, fmt::format("no run {}", run_id));
  if (row->get(0, 0) == "running") {
    return gg::fail(errc::conflict,
                    row->get(0, 1) == d.opt.node
                        ? fmt::format("run {} is already ending", run_id)
                        : fmt::format("run {} is running in process {}", run_id, row->get(0, 1)));
  }
  return gg::fail(errc::conflict, fmt::format("run {} is already {}", run_id, row->get(0, 0)));
}

std::vector<flow_status> engine::flows() const {
  std::lock_guard lock(impl_->m);
  std::vector<flow_status> out;
  out.reserve(impl_->flows.size());
  for (const auto& f : impl_->flows) {
    auto s = f->status;
    s.running = s.running || f->busy;
    s.next_fire = f->def.enabled ? f->next_fire : std::nullopt;
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<flow_status> engine::flow(std::string_view name) const {
  std::lock_guard lock(impl_->m);
  const auto* f = impl_->find(name);
  if (!f) return std::nullopt;
  auto s = f->status;
  s.running = s.running || f->busy;
  s.next_fire = f->def.enabled ? f->next_fire : std::nullopt;
  return s;
}

std::vector<std::string> engine::stale_flows() const {
  std::lock_guard lock(impl_->m);
  std::vector<std::string> out;
  for (const auto& f : impl_->flows) {
    if (f->status.stale) out.push_back(f->def.name);
  }
  return out;
}

void engine::poll() { impl_->poll(); }

gg::result<std::uint64_t> engine::prune() {
  auto& d = *impl_;
  std::optional<pg::lease> lease;
  std::optional<pg::connection> own;
  pg::connection* c = nullptr;
  if (d.pool) {
    auto l = d.pool->acquire(pool_wait);
    if (!l) return l.error();
    lease.emplace(std::move(*l));
    c = &**lease;
  } else {
    if (!d.opt.conninfo) return gg::fail(errc::config, "the flows engine has no database");
    auto o = pg::connection::open(d.opt.conninfo());
    if (!o) return o.error();
    own.emplace(std::move(*o));
    c = &*own;
  }
  const auto cutoff = time_param(d.opt.now() - d.opt.retention);
  const auto batch = static_cast<std::int64_t>(std::max<std::size_t>(d.opt.retention_batch, 1));
  std::uint64_t runs = 0;
  std::uint64_t artifacts = 0;
  // Each batch is its own statement (and transaction), so retention never holds long locks.
  for (;;) {
    auto r = c->exec(
        "DELETE FROM pipeline.flow_runs WHERE id IN (SELECT id FROM pipeline.flow_runs WHERE "
        "ended_at < $1::timestamptz AND state IN ('completed', 'failed', 'crashed', "
        "'cancelled', 'skipped') ORDER BY ended_at LIMIT $2)",
        cutoff, batch);
    if (!r) return r.error().with_context("pruning flow runs");
    runs += r->affected_rows();
    if (r->affected_rows() < static_cast<std::uint64_t>(batch)) break;
  }
  for (;;) {
    auto r = c->exec(
        "DELETE FROM pipeline.artifacts WHERE id IN (SELECT id FROM pipeline.artifacts WHERE "
        "created_at < $1::timestamptz ORDER BY created_at LIMIT $2)",
        cutoff, batch);
    if (!r) return r.error().with_context("pruning artifacts");
    artifacts += r->affected_rows();
    if (r->affected_rows() < static_cast<std::uint64_t>(batch)) break;
  }
  log.info(
      "flow history pruned",
      {{"runs", runs}, {"artifacts", artifacts}, {"retention", format_duration(d.opt.retention)}});
  return runs + artifacts;
}

const engine_options& engine::options() const noexcept { return impl_->opt; }

}  // namespace gg::flows
