#include "commands.hpp"
#include "database.hpp"
#include "health_routes.hpp"
#include "instance_lock.hpp"
#include "loaded_sources.hpp"
#include "loader_options.hpp"
#include "pipeline_api.hpp"
#include "pipeline_flows.hpp"
#include "process_setup.hpp"
#include "service_notifier.hpp"

#include <gadgetgrove/core/serve_info.hpp>

#include <gadgetgrove/broker/shipper.hpp>
#include <gadgetgrove/broker/stream_loader_stage.hpp>
#include <gadgetgrove/console/console.hpp>
#include <gadgetgrove/core/host_port.hpp>
#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/node_id.hpp>
#include <gadgetgrove/dashboard/dashboard_routes.hpp>
#include <gadgetgrove/eventlog/event_log.hpp>
#include <gadgetgrove/flows/engine.hpp>
#include <gadgetgrove/http/connection_budget.hpp>
#include <gadgetgrove/http/listeners_stage.hpp>
#include <gadgetgrove/ingest/ingest_service.hpp>
#include <gadgetgrove/loader/load_notices.hpp>
#include <gadgetgrove/loader/loader_stage.hpp>
#include <gadgetgrove/pg/conninfo.hpp>
#include <gadgetgrove/sched/scheduler.hpp>
#include <gadgetgrove/shop/shop_service.hpp>
#include <gadgetgrove/traffic/traffic_stage.hpp>
#include <gadgetgrove/transform/transform_stage.hpp>

#include <boost/asio/post.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include <future>

namespace gg::app {
namespace {

const gg::logger log{"serve"};

// Pings the systemd watchdog only while the io threads still run handlers: a wedged event
// loop stops the pings and systemd restarts the service.
void schedule_watchdog(sched::scheduler& sched, service_notifier& notifier) {
  auto interval = service_notifier::watchdog_interval();
  if (!interval) return;
  auto job = [&sched, &notifier](std::stop_token) -> gg::status {
    auto alive = std::make_shared<std::promise<void>>();
    auto future = alive->get_future();
    boost::asio::post(sched.io(), [alive] { alive->set_value(); });
    if (future.wait_for(std::chrono::seconds(5)) == std::future_status::ready) notifier.watchdog();
    return {};
  };
  sched::job_options opts;
  opts.run_at_start = true;
  opts.retry.retries = 0;
  (void)sched.every("watchdog", *interval, job, opts);
}

eventlog::event_log_config event_log_config_for(const settings& s) {
  eventlog::event_log_config c;
  c.log_dir = (std::filesystem::path(s.data_dir) / "log").string();
  c.quarantine_dir = (std::filesystem::path(s.data_dir) / "quarantine").string();
  c.queue_capacity = s.queue_capacity;
  c.queue_bytes = s.queue_bytes;
  c.rotate_bytes = s.segment_max_bytes;
  c.rotate_age = s.segment_max_age;
  c.ack = s.ack;
  return c;
}

ingest::ingest_config ingest_config_for(const settings& s) {
  ingest::ingest_config c;
  c.client_ip = s.client_ip;
  c.visitor_hash_key = s.visitor_hash_key;
  c.bot_tagging = s.bot_tagging;
  c.cors_origins = s.cors_origins;
  c.write_key = s.write_key;
  c.write_key_everywhere = s.write_key_everywhere;
  c.trusted_proxies = s.trusted_proxies;
  return c;
}

// The public listener's connection cap under the descriptor limit, raised at start-up outside
// systemd (where LimitNOFILE= is the operator's word); the admin listener gets a small share.
// The reserve covers segments, database connections and the admin listener.
std::pair<std::size_t, std::size_t> connection_caps(std::uint64_t requested) {
  constexpr std::size_t reserve = 512;
  constexpr std::size_t admin_cap = 128;
  const bool under_systemd =
      std::getenv("INVOCATION_ID") != nullptr || std::getenv("NOTIFY_SOCKET") != nullptr;
  const http::connection_budget b =
      http::plan_connection_budget(static_cast<std::size_t>(requested), reserve, !under_systemd);
  if (b.raised) {
    log.info("raised the descriptor limit", {{"from", b.soft_limit_before}, {"to", b.soft_limit}});
  }
  if (b.capped) {
    log.warn("connections capped by the descriptor limit (raise it: ulimit -n, LimitNOFILE=)",
             {{"max_connections", static_cast<std::uint64_t>(b.max_connections)},
              {"wanted", static_cast<std::uint64_t>(b.wanted)},
              {"descriptor_limit", b.soft_limit},
              {"hard_limit", b.hard_limit}});
  }
  return {b.max_connections, std::min(admin_cap, b.max_connections)};
}

// Valid by now: --broker is parsed when the command line is.
broker::shipper_options shipper_options_for(const settings& s) {
  broker::shipper_options o;
  o.url = broker::parse_broker_url(s.broker).value();
  o.data_dir = s.data_dir;
  o.node_id = s.node_id;
  for (const auto q : eventlog::all_queues) o.queues.emplace_back(eventlog::to_string(q));
  o.retention.max_age = std::chrono::duration_cast<std::chrono::seconds>(s.broker_retention);
  o.archive_retention = s.archive_retention;
  o.metrics = &metrics::global();
  return o;
}

broker::stream_loader_stage_options stream_loader_options_for(
    const settings& s, const std::shared_ptr<pg::database_stage>& db) {
  broker::stream_loader_stage_options o;
  o.loader.url = broker::parse_broker_url(s.broker).value();
  o.loader.spool_dir = std::filesystem::path(s.data_dir) / "stream-spool";
  o.loader.node_id = process_name(s.node_id);
  o.loader.retention.max_age = std::chrono::duration_cast<std::chrono::seconds>(s.broker_retention);
  o.loader.metrics = &metrics::global();
  o.conninfo = [db] { return db->conninfo(); };
  for (const auto q : eventlog::all_queues) o.queues.emplace_back(eventlog::to_string(q));
  return o;
}

shop::shop_config shop_config_for(const settings& s) {
  shop::shop_config c;
  c.catalog_seed = s.catalog_seed;
  c.checkout_failure_rate = s.checkout_failure_rate;
  c.checkout_seed = s.checkout_seed;
  c.session_cap = s.session_cap;
  c.session_ttl = std::chrono::duration_cast<std::chrono::seconds>(s.session_ttl);
  if (!s.dashboard_url.empty()) c.dashboard_url = s.dashboard_url;
  c.cookie_secure = s.cookie_secure;
  c.static_max_age = std::chrono::duration_cast<std::chrono::seconds>(s.static_max_age);
  c.metrics = &metrics::global();
  return c;
}

traffic::traffic_config traffic_config_for(const settings& s) {
  traffic::traffic_config c;
  c.enabled = s.traffic;
  c.sessions_per_second = s.traffic_rate;
  c.batch_interval = s.traffic_interval;
  c.max_sessions = s.traffic_max_sessions;
  c.think_scale = s.traffic_think_scale;
  c.seed = s.traffic_seed;
  c.metrics = &metrics::global();
  return c;
}

// The shop's catalog write (retried while the database is down) and session sweep, on the
// blocking pool; the first pass runs at once so the catalog lands right after start-up.
// The dashboard reports days in --timezone and shows the flows' state in its health panel.
dashboard::dashboard_options dashboard_options_for(const settings& s,
                                                   std::shared_ptr<flows::engine> engine) {
  dashboard::dashboard_options o;
  o.time_zone = s.timezone;
  o.includes_synthetic = s.include_synthetic;
  o.flows = [engine] {
    std::vector<dashboard::flow_health> out;
    for (const auto& f : engine->flows()) {
      std::string state = f.running    ? "running"
                          : f.pending  ? "pending"
                          : f.last_run ? std::string(to_string(f.last_run->state))
                                       : "never_run";
      out.push_back({f.name, std::move(state), f.last_success, f.stale});
    }
    return out;
  };
  return o;
}

void schedule_shop_maintenance(sched::scheduler& sched,
                               const std::shared_ptr<shop::shop_service>& store) {
  sched::job_options opts;
  opts.run_at_start = true;
  opts.retry.retries = 0;  // the next pass is the retry; the shop keeps its own backoff
  auto job = [store](std::stop_token stop) { return store->maintain_once(stop); };
  if (auto id = sched.every("shop-maintenance", store->maintenance_interval(), job, opts); !id) {
    log.error("cannot schedule the shop's maintenance", {{"error", id.error().message}});
  }
}

}  // namespace

int run_serve(const parsed_cli& cli) {
  if (cli.opts.print_config) {
    fmt::print("{}", format_origins(cli.origins));
    return 0;
  }
  configure_logging(cli.opts);
  settings s = cli.opts;
  auto dir = prepare_data_dir(s.data_dir);
  if (!dir) {
    log.error(dir.error().message);
    return 1;
  }
  s.data_dir = dir->string();
  auto lock = instance_lock::acquire(*dir);
  if (!lock) {
    log.error(lock.error().message);
    return 1;
  }

  metrics::register_process_collector(metrics::global());
  service_notifier notifier;
  sched::scheduler_options sopts;
  sopts.io_threads = s.threads;
  sopts.metrics = &metrics::global();
  sched::scheduler sched(sopts);

  std::promise<void> shutdown;
  auto shutdown_requested = shutdown.get_future();
  sched.on_shutdown([&shutdown] {
    log.info("shutdown requested");
    shutdown.set_value();
  });

  auto db_options = database_options_for(s, /*owns_data_dir=*/true);
  if (!db_options) {
    log.error(db_options.error().message);
    return 1;
  }
  // Each role adds its stages; a stage a role does not need is not built at all, so a node
  // without the role neither opens its listener nor touches its files (docs/SCALING.md).
  const bool ingest_role = s.roles.has(node_role::ingest);
  const bool loader_role = s.roles.has(node_role::loader);
  const bool web_role = s.roles.has(node_role::web);
  const bool with_broker = !s.broker.empty();
  if (with_broker) {
    log.info("roles", {{"node", s.node_id},
                       {"role", s.roles.to_string()},
                       {"broker", broker::mask_broker_url(s.broker)}});
  } else {
    log.info("roles", {{"node", s.node_id}, {"role", s.roles.to_string()}});
  }
  // One series whose labels say which node this is and what it runs (docs/metrics.md).
  metrics::global()
      .get_gauge("gadgetgrove_node_info",
                 "This node's id (--node-id) and roles (--role); always 1.",
                 {{"node", s.node_id}, {"roles", s.roles.to_string()}})
      .set(1);
  std::vector<std::string> listener_depends{"pg"};

  // Every role reads or writes the warehouse.
  db_options->metrics = &metrics::global();
  auto db = std::make_shared<pg::database_stage>(std::move(*db_options));
  sched.add_stage(db);

  std::shared_ptr<ingest::ingest_service> capture;
  std::shared_ptr<shop::shop_service> store;
  if (ingest_role) {
    auto events = std::make_shared<eventlog::event_log>(event_log_config_for(s));
    sched.add_stage(events);
    capture = std::make_shared<ingest::ingest_service>(ingest_config_for(s), *events);
    sched.add_stage(capture);
    store = std::make_shared<shop::shop_service>(
        shop_config_for(s),
        [capture](const ingest::server_event& e, ingest::server_event_callback done) {
          capture->submit_server_event(e, std::move(done));
        },
        db, std::vector<std::string>{"pg", "ingest"});
    sched.add_stage(store);
    listener_depends.insert(listener_depends.end(), {"eventlog", "ingest", "shop"});
    if (with_broker) {
      // Sealed segments travel to the broker instead of the local loader; the event log and
      // its acknowledgements stay as they are, so a broker outage never fails a client.
      sched.add_stage(std::make_shared<broker::shipper>(shipper_options_for(s)));
      listener_depends.push_back("shipper");
    }
  }

  std::shared_ptr<loader::loader_stage> loader;
  if (loader_role && with_broker) {
    // The broker's streams replace the local segments as what this node loads.
    sched.add_stage(
        std::make_shared<broker::stream_loader_stage>(stream_loader_options_for(s, db)));
    listener_depends.push_back("stream-loader");
  } else if (loader_role) {
    // Beside ingest, it starts after the event log has recovered the segments it loads.
    std::vector<std::string> loader_depends{"pg"};
    if (ingest_role) loader_depends.push_back("eventlog");
    loader = std::make_shared<loader::loader_stage>(
        loader_options_for(s), db,
        loader::loader_runtime{&sched.io(), sched.blocking_executor(), &metrics::global()},
        std::move(loader_depends));
    sched.add_stage(loader);
    listener_depends.push_back("loader");
  }

  std::shared_ptr<transform::transform_stage> transformer;
  if (web_role) {
    std::filesystem::path transform_project = s.transform_project;
    if (transform_project.empty()) {
      if (auto sql = resolve_sql_dir(s)) transform_project = *sql / "transform";
    }
    transformer = std::make_shared<transform::transform_stage>([db] { return db->conninfo(); },
                                                               transform_project);
    sched.add_stage(transformer);
  }

  // Every node runs the flows of its roles; added after the stages they drive, so started
  // after them and stopped before them.
  flows::engine_options flow_opts;
  flow_opts.conninfo = [db] { return db->conninfo(); };
  flow_opts.node = process_name(s.node_id);
  flow_opts.retention = s.run_retention;
  flow_opts.metrics = &metrics::global();
  auto engine = std::make_shared<flows::engine>(flow_opts, sched);
  sched.add_stage(engine);
  auto loaded = std::make_shared<loaded_sources>();

  auto public_routes = std::make_shared<http::router>();
  auto admin_routes = std::make_shared<http::router>();
  auto stage_health = [&sched] { return sched.health(); };
  add_health_routes(*public_routes, stage_health, readyz_detail::status_only);
  add_health_routes(*admin_routes, stage_health, readyz_detail::full, [engine] {
    std::vector<stale_flow> out;
    for (const auto& f : engine->flows()) {
      if (f.stale) out.push_back({f.name, f.stale_reason});
    }
    return out;
  });
  add_metrics_route(*admin_routes, metrics::global());
  if (web_role) {
    add_pipeline_api(
        *admin_routes, engine, [db] { return db->pool(); }, sched.blocking_executor());
    if (auto st = dashboard::add_dashboard_routes(
            *admin_routes, [db] { return db->pool(); }, sched.blocking_executor(),
            dashboard_options_for(s, engine));
        !st) {
      log.error("cannot add the dashboard API", {{"error", st.error().message}});
      return 1;
    }
    console::add_console_routes(*admin_routes);  // behind the admin listener's guard
  }
  if (ingest_role) {
    capture->add_routes(*public_routes);
    capture->add_admin_routes(*admin_routes, sched.blocking_executor());
    store->add_routes(*public_routes);  // also the storefront's fallback for deep links
  }

  auto listeners = std::make_shared<http::listeners_stage>(
      sched.io(), ingest_role ? s.listen : std::string{}, s.admin_listen, public_routes,
      admin_routes, listener_depends,
      http::admin_access_options{.token = s.admin_token, .password = s.admin_password},
      &metrics::global());
  listeners->set_connection_caps(connection_caps(s.max_connections));
  sched.add_stage(listeners);

  // Synthetic shoppers come through the public listener like any browser, so they start last.
  std::shared_ptr<traffic::traffic_stage> shoppers;
  if (ingest_role) {
    auto traffic_cfg = traffic_config_for(s);
    traffic_cfg.public_address = [listeners] { return listeners->public_endpoint(); };
    shoppers = std::make_shared<traffic::traffic_stage>(sched.io(), std::move(traffic_cfg));
    traffic::add_simulate_route(*admin_routes, shoppers);  // behind the admin guard and CSRF
    sched.add_stage(shoppers);
  }

  pipeline_parts parts;
  if (loader) parts.loader = [loader] { return loader->get(); };
  parts.transformer = transformer;
  if (ingest_role && s.traffic) parts.traffic = shoppers;
  parts.engine = engine.get();
  parts.loaded = loaded;
  auto definitions = pipeline_flows(s, parts);
  if (!definitions) {
    log.error("cannot define the pipeline flows", {{"error", definitions.error().message}});
    return 1;
  }
  bool transform_fires = false;
  for (auto& f : *definitions) {
    if (!runs_on(f.name, s.roles)) continue;
    // With a broker the stream loader loads continuously; there are no local segments to load.
    if (with_broker && f.name == "load") continue;
    if (f.name == "transform") transform_fires = f.enabled;
    if (auto st = engine->add_flow(std::move(f)); !st) {
      log.error("cannot add a pipeline flow", {{"error", st.error().message}});
      return 1;
    }
  }
  // Flows store the ingestion summary under their own runs.
  if (loader) loader->write_interval_artifacts(false);
  if (s.transform_on_load && transform_fires) {
    // The event-driven transform hears of every load that added rows through the warehouse
    // (loader/load_notices.hpp), whichever process loaded them: this node's loader, a loader
    // node of the broker path or `gadgetgrove load`. Added last: started once the engine runs.
    loader::load_notice_options notices;
    notices.conninfo = [db] { return db->conninfo(); };
    notices.on_loaded = transform_on_load(*engine, loaded);
    notices.metrics = &metrics::global();
    sched.add_stage(std::make_shared<loader::load_notice_stage>(std::move(notices)));
  }

  sched.run();
  auto t0 = std::chrono::steady_clock::now();
  if (auto st = sched.start_stages(); !st) {
    log.error("start-up failed", {{"error", st.error().message}});
    sched.stop();
    return 1;
  }
  auto ready_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();

  if (store && s.dashboard_url.empty()) {
    // A wildcard address names no host a browser can reach: send it to the host it used to
    // reach the shop, on the admin port.
    const auto admin = gg::parse_host_port(listeners->admin_endpoint());
    if (admin && (admin->host == "0.0.0.0" || admin->host == "::")) {
      store->set_dashboard_redirect(shop::dashboard_redirect::on_request_host(admin->port));
    } else {
      store->set_dashboard_url("http://" + listeners->admin_endpoint() + "/dashboard");
    }
  }

  serve_info info;
  info.public_address = listeners->public_endpoint();
  info.admin_address = listeners->admin_endpoint();
  info.database = pg::mask_conninfo(db->conninfo());
  info.pid = ::getpid();
  info.node = s.node_id;
  if (auto st = write_serve_info(*dir, info); !st) {
    log.warn("cannot write serve.json", {{"error", st.error().message}});
  }
  schedule_watchdog(sched, notifier);
  if (store) schedule_shop_maintenance(sched, store);
  sched::job_options check_opts;
  check_opts.retry.retries = 0;
  (void)sched.every(
      "pg-health", std::chrono::seconds(1),
      [db](std::stop_token) -> gg::status {
        db->refresh_health();
        return {};
      },
      check_opts);
  notifier.ready();
  log.info("ready", {{"node", s.node_id},
                     {"public", info.public_address},
                     {"admin", info.admin_address},
                     {"database", info.database},
                     {"ms", ready_ms}});

  shutdown_requested.wait();
  notifier.stopping();
  auto until = std::chrono::steady_clock::now() + s.drain_timeout;
  sched.stop_stages(until);
  sched.stop();
  remove_serve_info(*dir);
  log.info("stopped");
  return 0;
}

}  // namespace gg::app
