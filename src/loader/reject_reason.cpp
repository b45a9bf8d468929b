#include <gadgetgrove/loader/reject_reason.hpp>

namespace gg::loader {

std::string_view to_string(reject_code code) noexcept {
  switch (code) {
    case reject_code::torn_line:
      return "torn_line";
    case reject_code::missing_checksum:
      return "missing_checksum";
    case reject_code::checksum_mismatch:
      return "checksum_mismatch";
    case reject_code::invalid_json:
      return "invalid_json";
    case reject_code::missing_event_id:
      return "missing_event_id";
    case reject_code::invalid_event_id:
      return "invalid_event_id";
    case reject_code::missing_server_timestamp:
      return "missing_server_timestamp";
    case reject_code::invalid_timestamp:
      return "invalid_timestamp";
    case reject_code::wrong_type:
      return "wrong_type";
    case reject_code::unsupported_value:
      return "unsupported_value";
    case reject_code::duplicate_event_id:
      return "duplicate_event_id";
    case reject_code::database_error:
      return "database_error";
  }
  return "unknown";
}

std::string reject_reason::to_string() const {
  std::string text{loader::to_string(code)};
  if (!field.empty()) {
    text += ':';
    text += field;
  }
  return text;
}

void append_storable_text(std::string& out, std::string_view raw) {
  static constexpr std::string_view replacement = "\xef\xbf\xbd";
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  const std::size_t n = raw.size();
  std::size_t i = 0;
  out.reserve(out.size() + n);
  while (i < n) {
    const unsigned char c = p[i];
    if (c >= 0x01 && c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    }
    bool ok = len != 0 && i + len <= n && p[i + 1] >= lo && p[i + 1] <= hi;
    for (std::size_t k = 2; ok && k < len; ++k) ok = p[i + k] >= 0x80 && p[i + k] <= 0xbf;
    if (ok) {
      out.append(raw.substr(i, len));
      i += len;
    } else {
      out.append(replacement);
      ++i;
    }
  }
}

}  // namespace gg::loader
