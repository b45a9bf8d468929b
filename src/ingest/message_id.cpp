#include <gadgetgrove/ingest/message_id.hpp>

#include <xxhash.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace gg::ingest {
namespace {

bool is_message_id_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

}  // namespace

std::optional<gg::uuid> event_id_from_message_id(std::string_view message_id) noexcept {
  if (auto id = parse_uuid(message_id)) return id;
  if (message_id.empty() || message_id.size() > 128) return std::nullopt;
  if (!std::all_of(message_id.begin(), message_id.end(), is_message_id_char)) return std::nullopt;
  const XXH128_hash_t h = XXH3_128bits(message_id.data(), message_id.size());
  gg::uuid id;
  for (int i = 0; i < 8; ++i) {
    id.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(h.high64 >> (56 - 8 * i));
    id.bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(h.low64 >> (56 - 8 * i));
  }
  id.bytes[6] = static_cast<std::uint8_t>((id.bytes[6] & 0x0f) | 0x80);  // version 8
  id.bytes[8] = static_cast<std::uint8_t>((id.bytes[8] & 0x3f) | 0x80);  // RFC 9562 variant
  return id;
}

}  // namespace gg::ingest
