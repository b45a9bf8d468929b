#include "body_errors.hpp"

namespace gg::ingest::detail {

reject_reason from_error(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::SUCCESS:
      return reject_reason::none;
    case simdjson::UTF8_ERROR:
      return reject_reason::invalid_utf8;
    case simdjson::DEPTH_ERROR:
      return reject_reason::too_deep;
    default:
      return reject_reason::not_json;
  }
}

bool is_fatal(reject_reason r) noexcept {
  return r == reject_reason::not_json || r == reject_reason::invalid_utf8 ||
         r == reject_reason::too_deep;
}

bool has_nul_escape(std::string_view body) noexcept {
  std::size_t pos = 0;
  while ((pos = body.find("\\u0000", pos)) != std::string_view::npos) {
    std::size_t run = 1;
    while (run <= pos && body[pos - run] == '\\') ++run;
    if (run % 2 == 1) return true;
    pos += 6;
  }
  return false;
}

}  // namespace gg::ingest::detail
