#include <gadgetgrove/ingest/reject_reason.hpp>

#include <array>

namespace gg::ingest {
namespace {

constexpr std::array<std::string_view, reject_reason_count> names = {"accepted",
                                                                     "not_json",
                                                                     "invalid_utf8",
                                                                     "not_object",
                                                                     "not_array",
                                                                     "too_deep",
                                                                     "nul_character",
                                                                     "missing_type",
                                                                     "unknown_type",
                                                                     "missing_event",
                                                                     "missing_identity",
                                                                     "invalid_session_id",
                                                                     "invalid_user_id",
                                                                     "invalid_anonymous_id",
                                                                     "invalid_message_id",
                                                                     "invalid_timestamp",
                                                                     "invalid_sent_at",
                                                                     "invalid_event",
                                                                     "invalid_url",
                                                                     "invalid_path",
                                                                     "invalid_properties",
                                                                     "invalid_traits",
                                                                     "unsupported_number",
                                                                     "too_many_events",
                                                                     "unauthorized",
                                                                     "enriched_too_large",
                                                                     "body_too_large",
                                                                     "bad_encoding",
                                                                     "unsupported_encoding"};

}  // namespace

std::string_view to_string(reject_reason r) noexcept {
  const auto i = static_cast<std::size_t>(r);
  return i < names.size() ? names[i] : std::string_view{"unknown"};
}

unsigned http_status(reject_reason r) noexcept {
  switch (r) {
    case reject_reason::unauthorized:
      return 401;
    case reject_reason::enriched_too_large:
    case reject_reason::body_too_large:
      return 413;
    case reject_reason::unsupported_encoding:
      return 415;
    default:
      return 400;
  }
}

}  // namespace gg::ingest
