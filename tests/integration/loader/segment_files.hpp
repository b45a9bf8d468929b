#pragma once
// Writes segments the way the event log does (framed lines, sealed *.jsonl names) for the
// loader's integration tests.

#include <gadgetgrove/core/checksum.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/core/uuid.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace gg::loader::test {

/// `object` framed as a segment line (checksum tail, '\n').
inline std::string frame_line(std::string_view object) {
  std::string body{object.substr(0, object.rfind('}'))};
  char hex[16];
  write_hex16(checksum64(body), hex);
  return body + R"(,"_checksum":")" + std::string(hex, 16) + "\"}\n";
}

/// A deterministic event id: the same `n` gives the same id.
inline std::string event_id(std::uint64_t n) {
  gg::uuid id;
  for (int i = 0; i < 8; ++i) id.bytes[static_cast<std::size_t>(15 - i)] = (n >> (8 * i)) & 0xff;
  id.bytes[6] = 0x70;
  id.bytes[8] = 0x80;
  return id.to_string();
}

/// An enriched event object (without framing) for `queue`, numbered `n`; `extra` is spliced in
/// as additional fields (without a leading comma).
inline std::string event_json(std::string_view queue, std::uint64_t n,
                              std::string_view extra = {}) {
  std::string type =
      queue == "page_views" ? R"("type":"page_view","url":"http://localhost:8000/p/)" +
                                  std::to_string(n) + R"(","path":"/p/)" + std::to_string(n) + "\""
      : queue == "user_events" ? R"("type":"identify","userId":"u-)" + std::to_string(n) +
                                     R"(","traits":{"name":"User )" + std::to_string(n) + "\"}"
                               : R"("type":"custom_event","event":"e)" + std::to_string(n % 7) +
                                     R"(","properties":{"n":)" + std::to_string(n) + "}";
  std::string s = "{" + type + R"(,"sessionId":"s-)" + std::to_string(n % 13) + "\"";
  if (!extra.empty()) s += "," + std::string(extra);
  s += R"(,"event_id":")" + event_id(n) + R"(","server_timestamp":"2026-11-26T15:19:11.123456Z",)";
  s += R"("client_ip":"127.0.0.1","user_agent":"test","_queue":")" + std::string(queue) +
       R"(","_processed_at":"2026-11-26T15:19:11.200000Z"})";
  return s;
}

/// Writes `content` as sealed segment number `seq` of `queue` under `data_dir`; returns its path.
inline std::filesystem::path write_segment(const std::filesystem::path& data_dir,
                                           std::string_view queue, std::uint64_t seq,
                                           std::string_view content) {
  const auto dir = data_dir / "log" / std::string(queue);
  std::filesystem::create_directories(dir);
  char name[64];
  std::snprintf(name, sizeof name, "20261126T151911%06lluZ-%08llu.jsonl",
                static_cast<unsigned long long>(seq % 1000000),
                static_cast<unsigned long long>(seq));
  const auto path = dir / name;
  std::ofstream f(path, std::ios::binary);
  f.write(content.data(), static_cast<std::streamsize>(content.size()));
  return path;
}

/// A segment of `count` framed events numbered from `first`.
inline std::string segment_of(std::string_view queue, std::uint64_t first, std::uint64_t count) {
  std::string s;
  for (std::uint64_t n = first; n < first + count; ++n) s += frame_line(event_json(queue, n));
  return s;
}

}  // namespace gg::loader::test
