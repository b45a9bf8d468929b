#pragma once
// The ingest stage's counters, gauges and histogram, registered once per service so that the
// hot path only bumps pointers.

#include "unavailable_cause.hpp"

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/eventlog/queue_id.hpp>
#include <gadgetgrove/ingest/ingest_service.hpp>
#include <gadgetgrove/ingest/reject_reason.hpp>

#include <array>

namespace gg::ingest {

inline constexpr std::size_t event_source_count = 3;  // api, segment, server

struct ingest_service::metric_set {
  std::array<metrics::counter*, reject_reason_count> rejected{};
  std::array<metrics::counter*, event_source_count> received{};
  std::array<metrics::counter*, eventlog::queue_count> accepted{};
  std::array<metrics::counter*, event_source_count> synthetic{};
  std::array<metrics::counter*, detail::unavailable_cause_count> unavailable{};
  metrics::histogram* ack_latency = nullptr;
  metrics::gauge* in_flight = nullptr;
  std::array<metrics::counter*, 2> decoded{};  // gzip, deflate

  explicit metric_set(metrics::registry& r);
};

}  // namespace gg::ingest
