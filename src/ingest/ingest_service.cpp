#include <gadgetgrove/ingest/ingest_service.hpp>

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/ingest/content_encoding.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <utility>

namespace gg::ingest {
namespace {

const gg::logger ingest_log{"ingest"};

constexpr std::array<std::string_view, 3> source_names = {"api", "segment", "server"};

// Why a submission could not be made durable; the `reason` label of
// gadgetgrove_ingest_unavailable_total and the `error` of the 503 answer.
constexpr std::array<std::string_view, 6> unavailable_names = {
    "queue_full", "not_running", "shutting_down", "disk_full", "write_error", "write_failed"};

std::string_view refusal_name(const eventlog::submit_result& r) noexcept {
  if (r.status == eventlog::submit_status::queue_full) return "queue_full";
  if (r.status == eventlog::submit_status::invalid) return "write_failed";
  switch (r.reason) {
    case eventlog::unavailable_reason::not_running:
      return "not_running";
    case eventlog::unavailable_reason::shutting_down:
      return "shutting_down";
    case eventlog::unavailable_reason::disk_full:
      return "disk_full";
    case eventlog::unavailable_reason::write_error:
      return "write_error";
    case eventlog::unavailable_reason::none:
      break;
  }
  return "write_failed";
}

std::string_view failure_name(const gg::error& e) noexcept {
  switch (e.code) {
    case errc::no_space:
      return "disk_full";
    case errc::io:
      return "write_error";
    case errc::unavailable:
    case errc::cancelled:
      return "shutting_down";
    default:
      return "write_failed";
  }
}

void append_uuid(std::string& out, const gg::uuid& id) {
  const std::size_t at = out.size();
  out.resize(at + uuid_text_size);
  id.write(out.data() + at);
}

/// `{"status":"success","queue":"<q>","event_id":"<id>"}` without the braces' neighbours.
void append_success(std::string& out, queue_id q, const gg::uuid& id) {
  out.append(R"({"status":"success","queue":")");
  out.append(to_string(q));
  out.append(R"(","event_id":")");
  append_uuid(out, id);
  out.append("\"}");
}

void append_error(std::string& out, std::string_view reason) {
  out.append(R"({"status":"error","error":)");
  append_json_string(out, reason);
  out.push_back('}');
}

}  // namespace

struct ingest_service::metric_set {
  std::array<metrics::counter*, reject_reason_count> rejected{};
  std::array<metrics::counter*, source_names.size()> received{};
  std::array<metrics::counter*, eventlog::queue_count> accepted{};
  std::array<metrics::counter*, source_names.size()> synthetic{};
  std::array<metrics::counter*, unavailable_names.size()> unavailable{};
  metrics::histogram* ack_latency = nullptr;
  metrics::gauge* in_flight = nullptr;
  std::array<metrics::counter*, 2> decoded{};  // gzip, deflate

  explicit metric_set(metrics::registry& r) {
    for (std::size_t i = 1; i < reject_reason_count; ++i) {
      rejected[i] = &r.get_counter(
          "gadgetgrove_ingest_rejected_total", "Event submissions refused, by reason",
          {{"reason", std::string{to_string(static_cast<reject_reason>(i))}}});
    }
    for (std::size_t i = 0; i < source_names.size(); ++i) {
      received[i] = &r.get_counter("gadgetgrove_ingest_events_received_total",
                                   "Events received, valid or not, by source",
                                   {{"source", std::string{source_names[i]}}});
    }
    for (std::size_t i = 0; i < source_names.size(); ++i) {
      synthetic[i] = &r.get_counter(
          "gadgetgrove_ingest_synthetic_events_total",
          "Accepted events of simulated shoppers (properties or traits _synthetic: true), by "
          "source",
          {{"source", std::string{source_names[i]}}});
    }
    for (const queue_id q : eventlog::all_queues) {
      accepted[eventlog::index_of(q)] = &r.get_counter(
          "gadgetgrove_ingest_events_accepted_total",
          "Events the event log reported safe, by queue", {{"queue", std::string{to_string(q)}}});
    }
    for (std::size_t i = 0; i < unavailable_names.size(); ++i) {
      unavailable[i] = &r.get_counter("gadgetgrove_ingest_unavailable_total",
                                      "Submissions answered 503, by reason",
                                      {{"reason", std::string{unavailable_names[i]}}});
    }
    ack_latency = &r.get_histogram("gadgetgrove_ingest_ack_latency_seconds",
                                   "From request to the event log's acknowledgement",
                                   metrics::latency_buckets());
    in_flight = &r.get_gauge("gadgetgrove_ingest_requests_in_flight",
                             "Submissions waiting for the event log");
    const char* codings[] = {"gzip", "deflate"};
    for (std::size_t i = 0; i < decoded.size(); ++i) {
      decoded[i] = &r.get_counter("gadgetgrove_ingest_decoded_bodies_total",
                                  "Compressed request bodies decoded, by Content-Encoding",
                                  {{"coding", codings[i]}});
    }
  }
};

/// One submission on its way through the log: the answer is built when the last of its
/// events completes. Each completion writes only its own slot; the acq_rel countdown makes
/// every slot visible to the completion that finishes.
struct ingest_service::pending {
  struct slot {
    reject_reason reason = reject_reason::none;
    queue_id queue = queue_id::event_queue;
    gg::uuid id;
    bool submitted = false;
    bool synthetic = false;
    std::optional<gg::error> failure;
  };

  explicit pending(admission a) : ticket(std::move(a)) {}

  admission ticket;  // released (and counted out of in-flight) when the last reference goes
  reply_kind kind = reply_kind::api_single;
  event_source source = event_source::api;
  http::responder res;
  server_event_callback server_done;  // server events answer through this instead
  std::vector<http::header> cors;
  sys_us received{};
  std::vector<slot> slots;
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

std::string_view ingest_service::closed_reason() const noexcept {
  return stopped_.load(std::memory_order_relaxed) ? "shutting_down" : "not_running";
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

void ingest_service::add_admin_routes(http::router& r) {
  r.add(http::verb::get, "/api/analytics/stats", [this](http::request&& req, http::responder res) {
    handle_stats(std::move(req), std::move(res));
  });
}

void ingest_service::add_routes(http::router& r) {
  const http::route_options single{config_.single_body_limit};
  const http::route_options batch{config_.batch_body_limit};
  const auto preflight = [this](std::string methods) {
    return [this, methods = std::move(methods)](http::request&& req, http::responder res) {
      std::move(res).send(cors_.preflight(req, methods));
    };
  };

  r.add(
      http::verb::post, "/api/analytics",
      [this](http::request&& req, http::responder res) {
        handle_api(std::move(req), std::move(res));
      },
      single);
  r.add(http::verb::options, "/api/analytics", preflight("POST, OPTIONS"));
  r.add(
      http::verb::post, "/api/analytics/batch",
      [this](http::request&& req, http::responder res) {
        handle_api_batch(std::move(req), std::move(res));
      },
      batch);
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
    if (route.call) {
      const segment_call call = *route.call;
      r.add(
          http::verb::post, route.path,
          [this, call](http::request&& req, http::responder res) {
            handle_segment(call, std::move(req), std::move(res));
          },
          single);
    } else {
      r.add(
          http::verb::post, route.path,
          [this](http::request&& req, http::responder res) {
            handle_segment_batch(std::move(req), std::move(res));
          },
          batch);
    }
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

void ingest_service::count_unavailable(std::string_view why) {
  for (std::size_t i = 0; i < unavailable_names.size(); ++i) {
    if (unavailable_names[i] == why) {
      metrics_->unavailable[i]->inc();
      return;
    }
  }
}

http::response ingest_service::unavailable_response(std::string_view why) const {
  http::response r = http::error_json(503, why);
  r.set_header("Retry-After", std::to_string(config_.retry_after_seconds));
  return r;
}

void ingest_service::answer_unavailable(const http::request* req, http::responder res,
                                        std::string_view why) {
  count_unavailable(why);
  http::response r = unavailable_response(why);
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

void ingest_service::handle_api(http::request&& req, http::responder res) {
  count_received(event_source::api, 1);
  auto ticket = admit();
  if (!ticket) {
    answer_unavailable(&req, std::move(res), closed_reason());
    return;
  }
  if (!api_authorized(req)) {
    refuse(req, std::move(res), reject_reason::unauthorized);
    return;
  }
  if (!decode_body(req, res, config_.single_body_limit)) return;
  const request_info info = info_of(req);
  std::vector<batch_item> items(1);
  const reject_reason reason =
      enricher_.enrich_one(event_source::api, req.body, info, items[0].event);
  if (reason != reject_reason::none) {
    refuse(req, std::move(res), reason);
    return;
  }
  accept(reply_kind::api_single, std::move(*ticket), req, std::move(res), info, items);
}

void ingest_service::handle_api_batch(http::request&& req, http::responder res) {
  auto ticket = admit();
  if (!ticket) {
    count_received(event_source::api, 1);
    answer_unavailable(&req, std::move(res), closed_reason());
    return;
  }
  if (!api_authorized(req)) {
    count_received(event_source::api, 1);
    refuse(req, std::move(res), reject_reason::unauthorized);
    return;
  }
  if (!decode_body(req, res, config_.batch_body_limit)) {
    count_received(event_source::api, 1);
    return;
  }
  const request_info info = info_of(req);
  std::vector<batch_item> items;
  const reject_reason reason = enricher_.enrich_batch(req.body, info, items);
  if (reason != reject_reason::none) {
    count_received(event_source::api, 1);
    refuse(req, std::move(res), reason);
    return;
  }
  count_received(event_source::api, items.size());
  accept(reply_kind::api_batch, std::move(*ticket), req, std::move(res), info, items);
}

void ingest_service::handle_segment(segment_call call, http::request&& req, http::responder res) {
  count_received(event_source::segment, 1);
  auto ticket = admit();
  if (!ticket) {
    answer_unavailable(&req, std::move(res), closed_reason());
    return;
  }
  if (!decode_body(req, res, config_.single_body_limit)) return;
  const request_info info = info_of(req);
  std::vector<batch_item> items(1);
  const reject_reason reason = enricher_.enrich_segment(call, req.body, info, items[0].event);
  if (reason != reject_reason::none) {
    refuse(req, std::move(res), reason);
    return;
  }
  accept(reply_kind::segment, std::move(*ticket), req, std::move(res), info, items);
}

void ingest_service::handle_segment_batch(http::request&& req, http::responder res) {
  auto ticket = admit();
  if (!ticket) {
    count_received(event_source::segment, 1);
    answer_unavailable(&req, std::move(res), closed_reason());
    return;
  }
  if (!decode_body(req, res, config_.batch_body_limit)) {
    count_received(event_source::segment, 1);
    return;
  }
  const request_info info = info_of(req);
  std::vector<batch_item> items;
  const reject_reason reason = enricher_.enrich_segment_batch(req.body, info, items);
  if (reason != reject_reason::none) {
    count_received(event_source::segment, 1);
    refuse(req, std::move(res), reason);
    return;
  }
  count_received(event_source::segment, items.size());
  accept(reply_kind::segment, std::move(*ticket), req, std::move(res), info, items);
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
    pending::slot& s = p->slots[i];
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
  const std::string_view why = refusal_name(r);
  count_unavailable(why);
  if (p->server_done) {
    p->server_done(gg::fail(errc::unavailable, std::string{why}, true));
    return;
  }
  http::response answer = unavailable_response(why);
  for (auto& h : p->cors) answer.headers.push_back(std::move(h));
  std::move(p->res).send(std::move(answer));
}

void ingest_service::finish(pending& p) {
  const auto latency = std::chrono::duration<double>(now_us() - p.received).count();
  metrics_->ack_latency->observe(latency);

  std::size_t submitted = 0;
  std::size_t durable = 0;
  const gg::error* first_failure = nullptr;
  reject_reason first_reason = reject_reason::none;
  for (const pending::slot& s : p.slots) {
    if (s.submitted) {
      ++submitted;
      if (s.failure) {
        if (first_failure == nullptr) first_failure = &*s.failure;
      } else {
        ++durable;
      }
    } else if (first_reason == reject_reason::none) {
      first_reason = s.reason;
    }
  }
  if (first_failure != nullptr) {
    count_unavailable(failure_name(*first_failure));
    ingest_log.warn("events not made durable",
                    {{"failed", static_cast<std::uint64_t>(submitted - durable)},
                     {"error", std::string_view{first_failure->message}}});
  }

  if (p.server_done) {
    if (first_failure != nullptr) {
      p.server_done(gg::fail(errc::unavailable, std::string{failure_name(*first_failure)}, true));
    } else {
      p.server_done(p.slots.front().id);
    }
    return;
  }

  http::response answer;
  switch (p.kind) {
    case reply_kind::api_single: {
      const pending::slot& s = p.slots.front();
      if (first_failure != nullptr) {
        answer = unavailable_response(failure_name(*first_failure));
      } else {
        std::string body;
        body.reserve(96);
        append_success(body, s.queue, s.id);
        answer = http::response::json(200, std::move(body));
      }
      break;
    }
    case reply_kind::api_batch: {
      std::string body;
      body.reserve(32 + p.slots.size() * 96);
      unsigned status = 200;
      if (submitted == 0 && !p.slots.empty()) {
        status = 400;
        body.append(R"({"status":"error","error":"no_valid_events","results":[)");
      } else if (submitted > 0 && durable == 0) {
        status = 503;
        body.append(R"({"status":"error","error":)");
        append_json_string(body, failure_name(*first_failure));
        body.append(R"(,"results":[)");
      } else {
        body.append(R"({"status":"success","results":[)");
      }
      bool first = true;
      for (const pending::slot& s : p.slots) {
        if (!first) body.push_back(',');
        first = false;
        if (!s.submitted) {
          append_error(body, to_string(s.reason));
        } else if (s.failure) {
          append_error(body, failure_name(*s.failure));
        } else {
          append_success(body, s.queue, s.id);
        }
      }
      body.append("]}");
      answer = http::response::json(status, std::move(body));
      if (status == 503) {
        answer.set_header("Retry-After", std::to_string(config_.retry_after_seconds));
      }
      break;
    }
    case reply_kind::segment: {
      // A retried Segment batch is resent whole with the same messageIds, which map to the same
      // event ids, so any failure is answered 503 and the duplicates collapse downstream.
      if (first_failure != nullptr) {
        answer = unavailable_response(failure_name(*first_failure));
      } else if (submitted == 0 && !p.slots.empty()) {
        answer = http::error_json(400, to_string(first_reason));
      } else {
        answer = http::response::json(200, R"({"success":true})");
      }
      break;
    }
  }
  for (auto& h : p.cors) answer.headers.push_back(std::move(h));
  std::move(p.res).send(std::move(answer));
}

void ingest_service::handle_stats(http::request&& req, http::responder res) {
  const eventlog::event_log_stats st = log_.stats();
  std::string body;
  body.reserve(1024);
  body.append(R"({"status":"success","health":")");
  body.append(to_string(st.health.state));
  body.append(R"(","queue_depth":)");
  body.append(std::to_string(st.queue_depth));
  body.append(R"(,"queue_capacity":)");
  body.append(std::to_string(st.queue_capacity));
  body.append(R"(,"requests_in_flight":)");
  body.append(std::to_string(in_flight_.load(std::memory_order_relaxed)));
  body.append(R"(,"queues":{)");
  bool first = true;
  for (const eventlog::queue_stats& q : st.queues) {
    if (!first) body.push_back(',');
    first = false;
    append_json_string(body, to_string(q.queue));
    body.append(R"(:{"events_accepted":)");
    body.append(std::to_string(q.events_accepted));
    body.append(R"(,"bytes_written":)");
    body.append(std::to_string(q.bytes_written));
    body.append(R"(,"active_segment":)");
    if (q.active_segment.empty()) {
      body.append("null");
    } else {
      append_json_string(body, q.active_segment);
    }
    body.append(R"(,"sealed_segments_waiting":)");
    body.append(std::to_string(q.sealed_waiting));
    body.append(R"(,"oldest_sealed_age_seconds":)");
    if (q.oldest_sealed_age) {
      body.append(std::to_string(std::chrono::duration<double>(*q.oldest_sealed_age).count()));
    } else {
      body.append("null");
    }
    body.push_back('}');
  }
  body.append("}}");
  http::response answer = http::response::json(200, std::move(body));
  answer.set_header("Cache-Control", "no-store");
  cors_.apply(req, answer);
  std::move(res).send(std::move(answer));
}

void ingest_service::submit_server_event(const server_event& ev, server_event_callback done) {
  count_received(event_source::server, 1);
  auto ticket = admit();
  if (!ticket) {
    const std::string_view why = closed_reason();
    count_unavailable(why);
    done(gg::fail(errc::unavailable, std::string{why}, true));
    return;
  }
  request_info info;
  info.client_ip = ev.client_ip;
  info.user_agent = ev.user_agent;
  info.received = now_us();

  std::string body;
  body.reserve(128 + ev.event.size() + ev.properties_json.size());
  body.append(R"({"type":)");
  append_json_string(body, ev.type);
  if (!ev.event.empty()) {
    body.append(R"(,"event":)");
    append_json_string(body, ev.event);
  }
  if (!ev.session_id.empty()) {
    body.append(R"(,"sessionId":)");
    append_json_string(body, ev.session_id);
  }
  if (!ev.user_id.empty()) {
    body.append(R"(,"userId":)");
    append_json_string(body, ev.user_id);
  }
  if (!ev.properties_json.empty()) {
    body.append(R"(,"properties":)");
    body.append(ev.properties_json);
  }
  body.append(R"(,"timestamp":")");
  char stamp[iso8601_us_size];
  format_iso8601_us(info.received, stamp);
  body.append(stamp, sizeof stamp);
  body.append("\"}");

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
