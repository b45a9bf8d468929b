// GET /api/analytics/stats on the admin listener. The event log's stats list the five queue
// directories, so the answer is built on the blocking pool, never on an I/O thread.
#include <gadgetgrove/ingest/ingest_service.hpp>

#include "ingest_metrics.hpp"

#include <gadgetgrove/core/json_escape.hpp>

#include <boost/asio/post.hpp>

#include <chrono>
#include <string>

namespace gg::ingest {
namespace {

std::string stats_json(const eventlog::event_log_stats& st, std::size_t in_flight) {
  std::string body;
  body.reserve(1024);
  body.append(R"({"status":"success","health":")");
  body.append(to_string(st.health.state));
  body.append(R"(","queue_depth":)");
  body.append(std::to_string(st.queue_depth));
  body.append(R"(,"queue_capacity":)");
  body.append(std::to_string(st.queue_capacity));
  body.append(R"(,"requests_in_flight":)");
  body.append(std::to_string(in_flight));
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
  return body;
}

}  // namespace

void ingest_service::add_admin_routes(http::router& r, boost::asio::any_io_executor blocking) {
  r.add(http::verb::get, "/api/analytics/stats",
        [this, blocking](http::request&& req, http::responder res) {
          handle_stats(blocking, std::move(req), std::move(res));
        });
}

void ingest_service::handle_stats(const boost::asio::any_io_executor& blocking, http::request&& req,
                                  http::responder res) {
  // Counted in flight (whether or not the service accepts events) so that drain() waits for
  // the job and the service outlives it.
  in_flight_.fetch_add(1, std::memory_order_seq_cst);
  metrics_->in_flight->add(1);
  boost::asio::post(blocking, [this, ticket = admission{this}, req = std::move(req),
                               res = std::move(res)]() mutable {
    const eventlog::event_log_stats st = log_.stats();
    // The stats job itself is not a submission waiting for the log.
    const std::size_t in_flight = in_flight_.load(std::memory_order_relaxed) - 1;
    http::response answer = http::response::json(200, stats_json(st, in_flight));
    answer.set_header("Cache-Control", "no-store");
    cors_.apply(req, answer);
    std::move(res).send(std::move(answer));
  });
}

}  // namespace gg::ingest
