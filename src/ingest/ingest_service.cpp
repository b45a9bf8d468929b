#include <gadgetgrove/ingest/ingest_service.hpp>

#include "ingest_metrics.hpp"
#include "ingest_reply.hpp"
#include "server_event_body.hpp"
#include "unavailable_cause.hpp"

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/time.hpp>
#include "content_encoding.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <utility>

namespace gg::ingest {
namespace {

const gg::logger ingest_log{"ingest"};

}  // namespace

using detail::reply_kind;
using detail::settled_event;
using detail::unavailable_cause;

/// How a submission route reads its body and answers.
struct ingest_service::submission_route {
  event_source source = event_source::api;  // api or segment
  bool batch = false;
  std::optional<segment_call> call;  // a single Segment call: the one its path names

  reply_kind reply() const noexcept {
    if (source == event_source::segment) return reply_kind::segment;
    return batch ? reply_kind::api_batch : reply_kind::api_single;
  }
};

/// One submission on its way through the log: the answer is built when the last of its
/// events completes. Each completion writes only its own slot; the acq_rel countdown makes
/// every slot visible to the completion that finishes.
struct ingest_service::pending {
  explicit pending(admission a) : ticket(std::move(a)) {}

  admission ticket;  // released (and counted out of in-flight) when the last reference goes
  reply_kind kind = reply_kind::api_single;
  event_source source = event_source::api;
  http::responder res;
  server_event_callback server_done;  // server events answer through this instead
  std::vector<http::header> cors;
  sys_us received{};
  std::vector<settled_event> slots;
  std::atomic<std::size_t> remaining{0};
};

ingest_service::admission::~admission() {
  if (service_ != nullptr) service_->request_done();
}

std::optional<ingest_service::admission> ingest_service::admit() {
  // Counting in before looking at the flag means drain(), which clears the flag first and then
  // waits for the count, cannot miss a submission that got past the check.
  in_flight_.fetch_add(1, std::memory_order_seq_cst);
  metrics_->in_flight->add(1);
  admission a{this};
  if (!accepting_.load(std::memory_order_seq_cst)) return std::nullopt;
  return a;
}

detail::unavailable_cause ingest_service::closed_reason() const noexcept {
  return stopped_.load(std::memory_order_relaxed) ? unavailable_cause::shutting_down
                                                  : unavailable_cause::not_running;
}

ingest_service::ingest_service(ingest_config config, eventlog::event_log& log,
                               metrics::registry* metrics)
    : config_(std::move(config)),
      enricher_(config_),
      cors_(config_.cors_origins, config_.cors_max_age),
      proxies_(trusted_proxies::parse(config_.trusted_proxies)),
      log_(log),
      metrics_(
          std::make_unique<metric_set>(metrics != nullptr ? *metrics : gg::metrics::global())) {}

ingest_service::~ingest_service() = default;

status ingest_service::start() {
  if (!proxies_) return gg::fail(errc::config, "--trusted-proxy: " + proxies_.error().message);
  if (config_.write_key_everywhere && config_.write_key.empty()) {
    return gg::fail(errc::config, "--require-write-key-everywhere needs --write-key");
  }
  stopped_.store(false, std::memory_order_relaxed);
  accepting_.store(true, std::memory_order_release);
  ingest_log.info("ingest accepting events",
                  {{"client_ip", to_string(config_.client_ip)},
                   {"visitor_hash", enricher_.config().visitor_hash_key.empty() ? "off" : "on"},
                   {"write_key", config_.write_key.empty()      ? "off"
                                 : config_.write_key_everywhere ? "required everywhere"
                                                                : "required on /v1"},
                   {"trusted_proxies", static_cast<std::uint64_t>(config_.trusted_proxies.size())},
                   {"cors_origins", static_cast<std::uint64_t>(config_.cors_origins.size())}});
  return {};
}

void ingest_service::request_stop() {
  stopped_.store(true, std::memory_order_relaxed);
  accepting_.store(false, std::memory_order_seq_cst);
}

status ingest_service::drain(deadline until) {
  request_stop();
  std::unique_lock lock{mu_};
  const bool idle = idle_cv_.wait_until(
      lock, until, [&] { return in_flight_.load(std::memory_order_acquire) == 0; });
  if (!idle) {
    return gg::fail(errc::timeout, std::to_string(in_flight_.load(std::memory_order_acquire)) +
                                       " ingest submissions still waiting for the event log");
  }
  return {};
}

gg::health ingest_service::health() const {
  if (accepting_.load(std::memory_order_acquire)) return {health_state::up, {}};
  if (stopped_.load(std::memory_order_relaxed)) return {health_state::stopped, "stopped"};
  return {health_state::starting, "not started"};
}

void ingest_service::add_routes(http::router& r) {
  const http::route_options single{config_.single_body_limit};
  const http::route_options batch{config_.batch_body_limit};
  const auto preflight = [this](std::string methods) {
    return [this, methods = std::move(methods)](http::request&& req, http::responder res) {
      std::move(res).send(cors_.preflight(req, methods));
    };
  };

  const auto submission = [this](submission_route route) {
    return [this, route](http::request&& req, http::responder res) {
      handle_submission(route, std::move(req), std::move(res));
    };
  };

  r.add(http::verb::post, "/api/analytics", submission({event_source::api, false, {}}), single);
  r.add(http::verb::options, "/api/analytics", preflight("POST, OPTIONS"));
  r.add(http::verb::post, "/api/analytics/batch", submission({event_source::api, true, {}}), batch);
  r.add(http::verb::options, "/api/analytics/batch", preflight("POST, OPTIONS"));

  struct segment_route {
    const char* path;
    std::optional<segment_call> call;  // nullopt: batch
  };
  const segment_route segment_routes[] = {
      {"/v1/track", segment_call::track},
      {"/v1/t", segment_call::track},
      {"/v1/page", segment_call::page},
      {"/v1/p", segment_call::page},
      {"/v1/screen", segment_call::screen},
      {"/v1/s", segment_call::screen},
      {"/v1/identify", segment_call::identify},
      {"/v1/i", segment_call::identify},
      {"/v1/group", segment_call::group},
      {"/v1/g", segment_call::group},
      {"/v1/alias", segment_call::alias},
      {"/v1/a", segment_call::alias},
      {"/v1/batch", std::nullopt},
      {"/v1/import", std::nullopt},
  };
  for (const segment_route& route : segment_routes) {
    r.add(http::verb::post, route.path,
          submission({event_source::segment, !route.call.has_value(), route.call}),
          route.call ? single : batch);
    r.add(http::verb::options, route.path, preflight("POST, OPTIONS"));
  }
}

std::string_view ingest_service::client_address(const http::request& req) const {
  if (!proxies_) return req.remote_address;
  return proxies_->client_address(req.remote_address, req.headers);
}

request_info ingest_service::info_of(const http::request& req) const {
  request_info info;
  info.client_ip = client_address(req);
  info.user_agent = req.header("User-Agent").value_or(std::string_view{});
  info.authorization = req.header("Authorization").value_or(std::string_view{});
  info.received = now_us();
  return info;
}

void ingest_service::count_received(event_source s, std::size_t n) {
  metrics_->received[static_cast<std::size_t>(s)]->inc(n);
}

void ingest_service::count_rejected(reject_reason r) {
  const auto i = static_cast<std::size_t>(r);
  if (i > 0 && i < reject_reason_count) metrics_->rejected[i]->inc();
}

void ingest_service::count_unavailable(unavailable_cause why) {
  metrics_->unavailable[static_cast<std::size_t>(why)]->inc();
}

void ingest_service::answer_unavailable(const http::request* req, http::responder res,
                                        unavailable_cause why) {
  count_unavailable(why);
  http::response r = detail::unavailable_response(why, config_.retry_after_seconds);
  if (req != nullptr) cors_.apply(*req, r);
  std::move(res).send(std::move(r));
}

void ingest_service::refuse(const http::request& req, http::responder res, reject_reason reason) {
  count_rejected(reason);
  http::response r = http::error_json(http_status(reason), to_string(reason));
  if (reason == reject_reason::unauthorized) {
    r.set_header("WWW-Authenticate", R"(Basic realm="segment")");
  }
  cors_.apply(req, r);
  std::move(res).send(std::move(r));
}

bool ingest_service::api_authorized(const http::request& req) const noexcept {
  if (!config_.write_key_everywhere) return true;
  return enricher_.authorized(req.header("Authorization").value_or(std::string_view{}), {});
}

bool ingest_service::decode_body(http::request& req, http::responder& res, std::size_t limit) {
  const auto encoding = req.header("Content-Encoding");
  if (!encoding) return true;
  const auto coding = parse_content_encoding(*encoding);
  if (!coding) {
    refuse(req, std::move(res), reject_reason::unsupported_encoding);
    return false;
  }
  if (*coding == content_coding::identity) return true;
  std::string decoded;
  if (const auto failure = inflate_body(*coding, req.body, limit, decoded)) {
    count_rejected(failure->reason);
    std::string body;
    body.append(R"({"status":"error","error":)");
    append_json_string(body, to_string(failure->reason));
    if (!failure->detail.empty()) {
      body.append(R"(,"detail":)");
      append_json_string(body, failure->detail);
    }
    body.push_back('}');
    http::response r = http::response::json(http_status(failure->reason), std::move(body));
    cors_.apply(req, r);
    std::move(res).send(std::move(r));
    return false;
  }
  metrics_->decoded[*coding == content_coding::gzip ? 0 : 1]->inc();
  req.body = std::move(decoded);
  return true;
}

void ingest_service::request_done() {
  metrics_->in_flight->sub(1);
  if (in_flight_.fetch_sub(1, std::memory_order_seq_cst) == 1) {
    // Taking the lock orders this notify after a drain() that just checked the count. Nothing
    // of the service is touched after the unlock: drain() may return and the service go.
    std::lock_guard lock{mu_};
    idle_cv_.notify_all();
  }
}

reject_reason ingest_service::enrich(const submission_route& route, std::string_view body,
                                     const request_info& info, std::vector<batch_item>& items) {
  if (route.source == event_source::segment) {
    if (route.batch) return enricher_.enrich_segment_batch(body, info, items);
    items.resize(1);
    return enricher_.enrich_segment(*route.call, body, info, items[0].event);
  }
  if (route.batch) return enricher_.enrich_batch(body, info, items);
  items.resize(1);
  return enricher_.enrich_one(event_source::api, body, info, items[0].event);
}

void ingest_service::handle_submission(const submission_route& route, http::request&& req,
                                       http::responder res) {
  // A refused request counts as one event received, whatever it held.
  auto ticket = admit();
  if (!ticket) {
    count_received(route.source, 1);
    answer_unavailable(&req, std::move(res), closed_reason());
    return;
  }
  // The Segment routes check the write key inside the body (it may come as writeKey).
  if (route.source == event_source::api && !api_authorized(req)) {
    count_received(route.source, 1);
    refuse(req, std::move(res), reject_reason::unauthorized);
    return;
  }
  if (!decode_body(req, res, route.batch ? config_.batch_body_limit : config_.single_body_limit)) {
    count_received(route.source, 1);
    return;
  }
  const request_info info = info_of(req);
  std::vector<batch_item> items;
  const reject_reason reason = enrich(route, req.body, info, items);
  if (reason != reject_reason::none) {
    count_received(route.source, 1);
    refuse(req, std::move(res), reason);
    return;
  }
  count_received(route.source, items.size());
  accept(route.reply(), std::move(*ticket), req, std::move(res), info, items);
}

void ingest_service::accept(reply_kind kind, admission ticket, const http::request& req,
                            http::responder res, const request_info& info,
                            std::vector<batch_item>& items) {
  auto p = std::make_shared<pending>(std::move(ticket));
  p->kind = kind;
  p->source = kind == reply_kind::segment ? event_source::segment : event_source::api;
  p->res = std::move(res);
  p->received = info.received;
  http::response headers_only;
  cors_.apply(req, headers_only);
  p->cors = std::move(headers_only.headers);
  submit(std::move(p), items);
}

void ingest_service::submit(std::shared_ptr<pending> p, std::vector<batch_item>& items) {
  p->slots.resize(items.size());
  std::vector<eventlog::append_request> requests;
  requests.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    settled_event& s = p->slots[i];
    s.reason = items[i].reason;
    if (s.reason != reject_reason::none) {
      count_rejected(s.reason);
      continue;
    }
    s.queue = items[i].event.queue;
    s.id = items[i].event.event_id;
    s.synthetic = items[i].event.synthetic;
    s.submitted = true;
    requests.push_back(eventlog::append_request{
        s.queue, std::move(items[i].event.line), [this, p, i](gg::status st) {
          pending& self = *p;
          if (st) {
            metrics_->accepted[eventlog::index_of(self.slots[i].queue)]->inc();
            if (self.slots[i].synthetic) {
              metrics_->synthetic[static_cast<std::size_t>(self.source)]->inc();
            }
          } else {
            self.slots[i].failure = st.error();
          }
          if (self.remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) finish(self);
        }});
  }
  if (requests.empty()) {
    finish(*p);
    return;
  }
  p->remaining.store(requests.size(), std::memory_order_relaxed);
  const eventlog::submit_result r = requests.size() == 1
                                        ? log_.try_submit(std::move(requests.front()))
                                        : log_.try_submit_batch(std::move(requests));
  if (r.accepted()) return;
  // Nothing was taken: no completion will run, and dropping `requests` releases their
  // references to `p`.
  requests.clear();
  const unavailable_cause why = detail::cause_of(r);
  count_unavailable(why);
  if (p->server_done) {
    p->server_done(gg::fail(errc::unavailable, std::string{to_string(why)}, true));
    return;
  }
  http::response answer = detail::unavailable_response(why, config_.retry_after_seconds);
  for (auto& h : p->cors) answer.headers.push_back(std::move(h));
  std::move(p->res).send(std::move(answer));
}

void ingest_service::finish(pending& p) {
  const auto latency = std::chrono::duration<double>(now_us() - p.received).count();
  metrics_->ack_latency->observe(latency);

  std::uint64_t failed = 0;
  const gg::error* first_failure = nullptr;
  for (const settled_event& s : p.slots) {
    if (s.submitted && s.failure) {
      ++failed;
      if (first_failure == nullptr) first_failure = &*s.failure;
    }
  }
  if (first_failure != nullptr) {
    count_unavailable(detail::cause_of(*first_failure));
    ingest_log.warn("events not made durable",
                    {{"failed", failed}, {"error", std::string_view{first_failure->message}}});
  }

  if (p.server_done) {
    if (first_failure != nullptr) {
      p.server_done(gg::fail(errc::unavailable,
                             std::string{to_string(detail::cause_of(*first_failure))}, true));
    } else {
      p.server_done(p.slots.front().id);
    }
    return;
  }

  http::response answer = detail::build_reply(p.kind, p.slots, config_.retry_after_seconds);
  for (auto& h : p.cors) answer.headers.push_back(std::move(h));
  std::move(p.res).send(std::move(answer));
}

void ingest_service::submit_server_event(const server_event& ev, server_event_callback done) {
  count_received(event_source::server, 1);
  auto ticket = admit();
  if (!ticket) {
    const unavailable_cause why = closed_reason();
    count_unavailable(why);
    done(gg::fail(errc::unavailable, std::string{to_string(why)}, true));
    return;
  }
  request_info info;
  info.client_ip = ev.client_ip;
  info.user_agent = ev.user_agent;
  info.received = now_us();

  const std::string body = detail::server_event_body(ev, info.received);

  std::vector<batch_item> items(1);
  const reject_reason reason =
      enricher_.enrich_one(event_source::server, body, info, items[0].event);
  if (reason != reject_reason::none) {
    count_rejected(reason);
    done(gg::fail(errc::invalid_input, std::string{to_string(reason)}));
    return;
  }
  auto p = std::make_shared<pending>(std::move(*ticket));
  p->kind = reply_kind::api_single;
  p->server_done = std::move(done);
  p->source = event_source::server;
  p->received = info.received;
  submit(std::move(p), items);
}

}  // namespace gg::ingest
