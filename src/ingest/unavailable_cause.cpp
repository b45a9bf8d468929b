#include "unavailable_cause.hpp"

namespace gg::ingest::detail {

std::string_view to_string(unavailable_cause c) noexcept {
  switch (c) {
    case unavailable_cause::queue_full:
      return "queue_full";
    case unavailable_cause::not_running:
      return "not_running";
    case unavailable_cause::shutting_down:
      return "shutting_down";
    case unavailable_cause::disk_full:
      return "disk_full";
    case unavailable_cause::write_error:
      return "write_error";
    case unavailable_cause::write_failed:
      return "write_failed";
  }
  return "write_failed";
}

unavailable_cause cause_of(const eventlog::submit_result& r) noexcept {
  if (r.status == eventlog::submit_status::queue_full) return unavailable_cause::queue_full;
  if (r.status == eventlog::submit_status::invalid) return unavailable_cause::write_failed;
  switch (r.reason) {
    case eventlog::unavailable_reason::not_running:
      return unavailable_cause::not_running;
    case eventlog::unavailable_reason::shutting_down:
      return unavailable_cause::shutting_down;
    case eventlog::unavailable_reason::disk_full:
      return unavailable_cause::disk_full;
    case eventlog::unavailable_reason::write_error:
      return unavailable_cause::write_error;
    case eventlog::unavailable_reason::none:
      break;
  }
  return unavailable_cause::write_failed;
}

unavailable_cause cause_of(const gg::error& e) noexcept {
  switch (e.code) {
    case errc::no_space:
      return unavailable_cause::disk_full;
    case errc::io:
      return unavailable_cause::write_error;
    case errc::unavailable:
    case errc::cancelled:
      return unavailable_cause::shutting_down;
    default:
      return unavailable_cause::write_failed;
  }
}

}  // namespace gg::ingest::detail
