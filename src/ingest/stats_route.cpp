// GET /api/analytics/stats on the admin listener. The event log's stats list the five queue
// directories, so the answer is built on the blocking pool, never on an I/O thread.
#include <gadgetgrove/ingest/ingest_service.hpp>

#include <gadgetgrove/core/json_text.hpp>
#include "ingest_metrics.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <string>

namespace gg::ingest {
namespace {

// The age is measured in microseconds: six decimals say all of it, without an exponent.
constexpr json_decimals stats_decimals[] = {{"oldest_sealed_age_seconds", 6}};

std::string stats_json(const eventlog::event_log_stats& st, std::size_t in_flight) {
  namespace json = boost::json;
  json::object queues;
  for (const eventlog::queue_stats& q : st.queues) {
    queues[to_string(q.queue)] = json::object{
        {"events_accepted", q.events_accepted},
        {"bytes_written", q.bytes_written},
        {"active_segment",
         q.active_segment.empty() ? json::value(nullptr) : json::value(q.active_segment)},
        {"sealed_segments_waiting", q.sealed_waiting},
        {"oldest_sealed_age_seconds",
         q.oldest_sealed_age
             ? json::value(std::chrono::duration<double>(*q.oldest_sealed_age).count())
             : json::value(nullptr)},
    };
  }
  const json::object body{{"status", "success"},
                          {"health", std::string(to_string(st.health.state))},
                          {"queue_depth", st.queue_depth},
                          {"queue_capacity", st.queue_capacity},
                          {"requests_in_flight", in_flight},
                          {"queues", std::move(queues)}};
  return json_text(body, stats_decimals);
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
