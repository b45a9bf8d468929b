#pragma once
// The "ingest" stage: the HTTP routes that take event submissions, validate and enrich them,
// and hand them to the durable event log, answering only once the log reports them safe.

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/eventlog/event_log.hpp>
#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/ingest/cors_policy.hpp>
#include <gadgetgrove/ingest/event_enricher.hpp>
#include <gadgetgrove/ingest/ingest_config.hpp>
#include <gadgetgrove/ingest/server_event.hpp>
#include <gadgetgrove/ingest/trusted_proxies.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gg::ingest {

namespace detail {
enum class reply_kind : std::uint8_t;
enum class unavailable_cause : std::uint8_t;
}  // namespace detail

/// Routes (see add_routes):
///   POST /api/analytics         one event; 200 {"status":"success","queue","event_id"} once
///                               durable, 400 {"status":"error","error":<reason>}, 503 +
///                               Retry-After when the log is full, stopping or failing
///   POST /api/analytics/batch   a JSON array; per-event results, valid events appended
///                               all-or-nothing
///   POST /v1/{track,page,screen,identify,group,alias,batch,import} and the one-letter aliases
///                               /v1/{t,p,s,i,g,a}: the Segment Tracking API, 200
///                               {"success":true}; 401 when a write key is configured and
///                               missing (on the /api routes too with write_key_everywhere)
///   OPTIONS on each of them     CORS preflight
/// Every POST route takes a body with Content-Encoding gzip, x-gzip or deflate (decoded size
/// within the route's limit, else 413 body_too_large; corrupt or truncated: 400 bad_encoding
/// with a `detail`; another coding: 415 unsupported_encoding). The Content-Type is not looked
/// at: every body is read as JSON, as Segment's API does.
/// Every refusal is counted in gadgetgrove_ingest_rejected_total{reason}; other metrics:
/// gadgetgrove_ingest_events_received_total{source}, gadgetgrove_ingest_events_accepted_total
/// {queue} (durable), gadgetgrove_ingest_unavailable_total{reason},
/// gadgetgrove_ingest_ack_latency_seconds, gadgetgrove_ingest_requests_in_flight.
///
/// Thread safety: the handlers and submit_server_event run on any thread, concurrently; they
/// never block (the stats route lists the log's queue directories on the blocking pool).
/// Completions arrive on the log's writer thread. start/request_stop/drain follow gg::stage. The
/// service must outlive the HTTP server its routes are registered with and every pending
/// completion: drain() waits for those.
class ingest_service final : public gg::stage {
 public:
  /// `log` must outlive the service. `metrics` null means gg::metrics::global().
  ingest_service(ingest_config config, eventlog::event_log& log,
                 metrics::registry* metrics = nullptr);
  ~ingest_service() override;
  ingest_service(const ingest_service&) = delete;
  ingest_service& operator=(const ingest_service&) = delete;

  std::string_view name() const noexcept override { return "ingest"; }
  std::vector<std::string> depends_on() const override { return {"eventlog"}; }
  /// Errors: config, when an ingest_config::trusted_proxies entry is not an address or network,
  /// or write_key_everywhere is set without a write_key.
  status start() override;
  /// New submissions are answered 503 from now on; pending ones still complete.
  void request_stop() override;
  /// Waits until every accepted submission has been answered, or `until`.
  status drain(deadline until) override;
  gg::health health() const override;

  /// Registers the routes above, with the configured body limits, on `r`.
  void add_routes(http::router& r);
  /// Registers GET /api/analytics/stats (per-queue figures from the event log: segment names,
  /// queue depths) on `r`; it belongs on the admin listener, not the public one. The answer,
  /// which lists directories, is built on `blocking`; drain() waits for it.
  void add_admin_routes(http::router& r, boost::asio::any_io_executor blocking);

  /// Records a server-made event through the same validation, enrichment and routing.
  void submit_server_event(const server_event& ev, server_event_callback done);

  const event_enricher& enricher() const noexcept { return enricher_; }

  /// The client address of `req` under the trusted-proxy rule (the peer unless it is a trusted
  /// proxy); for other routes that record the client, e.g. the shop's server events. The view
  /// lives as long as `req`.
  std::string_view client_address(const http::request& req) const;

 private:
  struct metric_set;
  struct pending;
  struct submission_route;

  /// One submission counted as in flight, from admission until it is answered; drain() waits
  /// for every one to be released.
  class admission {
   public:
    explicit admission(ingest_service* s) noexcept : service_(s) {}
    admission(admission&& other) noexcept : service_(std::exchange(other.service_, nullptr)) {}
    admission& operator=(admission&&) = delete;
    ~admission();

   private:
    ingest_service* service_;
  };

  /// Every POST route: admission, write key, Content-Encoding, enrichment, then accept().
  void handle_submission(const submission_route& route, http::request&& req, http::responder res);
  reject_reason enrich(const submission_route& route, std::string_view body,
                       const request_info& info, std::vector<batch_item>& items);
  void handle_stats(const boost::asio::any_io_executor& blocking, http::request&& req,
                    http::responder res);

  /// An admission while the service accepts submissions, else nullopt.
  std::optional<admission> admit();
  detail::unavailable_cause closed_reason() const noexcept;
  request_info info_of(const http::request& req) const;
  /// True unless write_key_everywhere is set and the request lacks the key (Basic user name).
  bool api_authorized(const http::request& req) const noexcept;
  /// Undoes the body's Content-Encoding (gzip, deflate) in place, the decoded size counted
  /// against `limit`; false after answering the refusal (415, 413, or 400 with the reason).
  bool decode_body(http::request& req, http::responder& res, std::size_t limit);
  /// Refuses the whole request: counts `reason` and answers.
  void refuse(const http::request& req, http::responder res, reject_reason reason);
  /// Builds the pending reply for a request whose events passed validation, then submits them.
  void accept(detail::reply_kind kind, admission ticket, const http::request& req,
              http::responder res, const request_info& info, std::vector<batch_item>& items);
  /// Hands the accepted items to the log; answers when the last completion arrives.
  void submit(std::shared_ptr<pending> p, std::vector<batch_item>& items);
  void finish(pending& p);
  void answer_unavailable(const http::request* req, http::responder res,
                          detail::unavailable_cause why);
  void count_received(event_source s, std::size_t n);
  void count_rejected(reject_reason r);
  void count_unavailable(detail::unavailable_cause why);
  void request_done();

  ingest_config config_;
  event_enricher enricher_;
  cors_policy cors_;
  gg::result<trusted_proxies> proxies_;
  eventlog::event_log& log_;
  std::unique_ptr<metric_set> metrics_;

  std::atomic<bool> accepting_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<std::size_t> in_flight_{0};
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
};

}  // namespace gg::ingest
