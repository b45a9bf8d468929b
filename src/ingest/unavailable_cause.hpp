#pragma once
// Why a submission could not be made durable: the `reason` label of
// gadgetgrove_ingest_unavailable_total and the `error` of the 503 answer.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/eventlog/event_log.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gg::ingest::detail {

enum class unavailable_cause : std::uint8_t {
  queue_full,
  not_running,
  shutting_down,
  disk_full,
  write_error,
  write_failed,
};
inline constexpr std::size_t unavailable_cause_count = 6;

std::string_view to_string(unavailable_cause c) noexcept;
/// Why the event log refused a submission outright.
unavailable_cause cause_of(const eventlog::submit_result& r) noexcept;
/// Why an event the log had taken did not become durable.
unavailable_cause cause_of(const gg::error& e) noexcept;

}  // namespace gg::ingest::detail
