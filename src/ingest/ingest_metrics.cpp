#include "ingest_metrics.hpp"

#include <string>

namespace gg::ingest {

ingest_service::metric_set::metric_set(metrics::registry& r) {
  for (std::size_t i = 1; i < reject_reason_count; ++i) {
    rejected[i] =
        &r.get_counter("gadgetgrove_ingest_rejected_total", "Event submissions refused, by reason",
                       {{"reason", std::string{to_string(static_cast<reject_reason>(i))}}});
  }
  for (std::size_t i = 0; i < event_source_count; ++i) {
    received[i] = &r.get_counter(
        "gadgetgrove_ingest_events_received_total", "Events received, valid or not, by source",
        {{"source", std::string{to_string(static_cast<event_source>(i))}}});
  }
  for (std::size_t i = 0; i < event_source_count; ++i) {
    synthetic[i] = &r.get_counter(
        "gadgetgrove_ingest_synthetic_events_total",
        "Accepted events of simulated shoppers (properties or traits _synthetic: true), by "
        "source",
        {{"source", std::string{to_string(static_cast<event_source>(i))}}});
  }
  for (const queue_id q : eventlog::all_queues) {
    accepted[eventlog::index_of(q)] = &r.get_counter("gadgetgrove_ingest_events_accepted_total",
                                                     "Events the event log reported safe, by queue",
                                                     {{"queue", std::string{to_string(q)}}});
  }
  for (std::size_t i = 0; i < detail::unavailable_cause_count; ++i) {
    unavailable[i] = &r.get_counter(
        "gadgetgrove_ingest_unavailable_total", "Submissions answered 503, by reason",
        {{"reason", std::string{to_string(static_cast<detail::unavailable_cause>(i))}}});
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

}  // namespace gg::ingest
