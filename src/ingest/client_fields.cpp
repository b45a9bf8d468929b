#include "client_fields.hpp"

#include <gadgetgrove/core/checksum.hpp>
#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/ingest/client_ip.hpp>

#include <xxhash.h>

#include <algorithm>
#include <chrono>

namespace gg::ingest::detail {
namespace {

/// Appends `s` as a quoted JSON string (as append_json_string repairs and escapes it) whose text
/// between the quotes is at most `cap` bytes, cut at a character or escape boundary. Escaping
/// never shrinks a byte, so only the first `cap` input bytes can matter and a huge header is
/// never escaped whole.
void append_capped_json_string(std::string& out, std::string_view s, std::size_t cap) {
  out.push_back('"');
  const std::size_t at = out.size();
  append_json_escaped(out, s.substr(0, std::min(s.size(), cap)));
  if (out.size() - at > cap) {
    std::size_t i = at;
    while (i < out.size()) {
      const auto c = static_cast<unsigned char>(out[i]);
      std::size_t n = 1;
      if (c == '\\') {
        n = out[i + 1] == 'u' ? 6 : 2;
      } else if (c >= 0xf0) {
        n = 4;
      } else if (c >= 0xe0) {
        n = 3;
      } else if (c >= 0xc0) {
        n = 2;
      }
      if (i + n - at > cap) break;
      i += n;
    }
    out.resize(i);
  }
  out.push_back('"');
}

}  // namespace

const std::string& client_fields(thread_scratch& s, const request_info& req,
                                 const client_field_rules& rules) {
  const auto day = std::chrono::floor<std::chrono::days>(req.received.time_since_epoch()).count();
  const std::uint64_t h =
      XXH3_64bits_withSeed(req.user_agent.data(), req.user_agent.size(),
                           XXH3_64bits(req.client_ip.data(), req.client_ip.size()));
  auto& entry = s.clients[h % s.clients.size()];
  if (entry.enricher_id == rules.enricher_id && entry.day == day && entry.peer == req.client_ip &&
      entry.user_agent == req.user_agent) {
    return entry.fields;
  }
  entry.enricher_id = rules.enricher_id;
  entry.day = day;
  entry.peer.assign(req.client_ip);
  entry.user_agent.assign(req.user_agent);
  std::string& t = entry.fields;
  t.clear();
  s.ip.clear();
  const bool have_ip = append_canonical_ip(s.ip, req.client_ip);
  if (have_ip && rules.config.client_ip != ip_mode::none) {
    const std::size_t at = t.size();
    t.append(",\"client_ip\":\"");
    if (append_client_ip(t, req.client_ip, rules.config.client_ip)) {
      t.push_back('"');
    } else {
      t.resize(at);
    }
  }
  if (have_ip && rules.hash.enabled()) {
    char hex[16];
    write_hex16(rules.hash.hash(day, s.ip, req.user_agent), hex);
    t.append(",\"visitor_hash\":\"");
    t.append(hex, sizeof hex);
    t.push_back('"');
  }
  if (!req.user_agent.empty()) {
    t.append(",\"user_agent\":");
    append_capped_json_string(t, req.user_agent, rules.config.max_user_agent_bytes);
    if (rules.config.bot_tagging && rules.bots.is_bot(req.user_agent)) t.append(",\"_bot\":true");
  }
  return t;
}

}  // namespace gg::ingest::detail
