#include <gadgetgrove/ingest/event_enricher.hpp>

#include <gadgetgrove/core/checksum.hpp>
#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/json_number.hpp>
#include <gadgetgrove/core/synthetic_marker.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>
#include <gadgetgrove/http/basic_auth.hpp>
#include <gadgetgrove/ingest/client_ip.hpp>

#include <simdjson.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <limits>
#include <memory>

#include "json_scalar.hpp"

namespace gg::ingest {

namespace od = simdjson::ondemand;

namespace {

/// Keys ingest reads or owns. Everything else is the client's and is copied as it came.
enum class key_kind : std::uint8_t {
  other,
  type,
  event,
  queue_name,
  message_id,
  timestamp,
  sent_at,
  session_id,
  user_id,
  anonymous_id,
  write_key,
  // Copied as they came, but the loader maps them to typed columns: their JSON type is checked.
  url,
  path,
  properties,
  traits,
  owned,  // a key ingest adds; the client's value is dropped
};

key_kind classify_key(std::string_view k) noexcept {
  switch (k.size()) {
    case 3:
      if (k == "url") return key_kind::url;
      break;
    case 4:
      if (k == "type") return key_kind::type;
      if (k == "path") return key_kind::path;
      break;
    case 5:
      if (k == "event") return key_kind::event;
      break;
    case 6:
      if (k == "userId") return key_kind::user_id;
      if (k == "sentAt") return key_kind::sent_at;
      if (k == "_queue") return key_kind::owned;
      if (k == "traits") return key_kind::traits;
      break;
    case 7:
      if (k == "_source") return key_kind::owned;
      break;
    case 8:
      if (k == "event_id") return key_kind::owned;
      if (k == "writeKey") return key_kind::write_key;
      break;
    case 9:
      if (k == "timestamp") return key_kind::timestamp;
      if (k == "sessionId") return key_kind::session_id;
      if (k == "messageId") return key_kind::message_id;
      if (k == "queueName") return key_kind::queue_name;
      if (k == "client_ip") return key_kind::owned;
      if (k == "_checksum") return key_kind::owned;
      break;
    case 10:
      if (k == "user_agent") return key_kind::owned;
      if (k == "properties") return key_kind::properties;
      break;
    case 11:
      if (k == "anonymousId") return key_kind::anonymous_id;
      break;
    case 12:
      if (k == "visitor_hash") return key_kind::owned;
      break;
    case 13:
      if (k == "_processed_at") return key_kind::owned;
      break;
    case 16:
      if (k == "server_timestamp") return key_kind::owned;
      break;
    case 18:
      if (k == "original_timestamp") return key_kind::owned;
      break;
    default:
      break;
  }
  if (k == "_bot") return key_kind::owned;
  return key_kind::other;
}

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

/// Whether a refusal leaves the parser in an unknown state, so the rest of a batch cannot be
/// trusted either.
bool is_fatal(reject_reason r) noexcept {
  return r == reject_reason::not_json || r == reject_reason::invalid_utf8 ||
         r == reject_reason::too_deep;
}

/// A `\u0000` escape (an odd run of backslashes before "u0000") anywhere in the body.
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

/// A value ingest looked at, as the client sent it.
struct captured {
  enum class kind : std::uint8_t { absent, null, string, object, other };
  kind k = kind::absent;
  std::string_view text;   // unescaped; set for kind::string
  bool is_true = false;    // the literal true
  bool synthetic = false;  // an object with a member "_synthetic": true

  bool is_string() const noexcept { return k == kind::string; }
  bool is_nonempty_string() const noexcept { return k == kind::string && !text.empty(); }
  /// Present and neither null nor a string.
  bool is_other() const noexcept { return k == kind::object || k == kind::other; }
  /// Present and neither null nor an object.
  bool is_not_object() const noexcept { return k == kind::string || k == kind::other; }
};

bool is_message_id_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

/// Formats times as format_iso8601_us does, redoing the date and time only when the second
/// changes: consecutive requests on a thread mostly fall in the same second.
class timestamp_text {
 public:
  void append(sys_us t, std::string& out) {
    const auto since_epoch = t.time_since_epoch();
    const std::int64_t second = std::chrono::floor<std::chrono::seconds>(since_epoch).count();
    if (second != second_) {
      format_iso8601_us(t, text_);
      second_ = second;
    } else {
      auto micros =
          static_cast<std::uint32_t>((since_epoch - std::chrono::seconds{second}).count());
      for (int i = 25; i >= 20; --i) {
        text_[i] = static_cast<char>('0' + micros % 10);
        micros /= 10;
      }
    }
    out.append(text_, sizeof text_);
  }

 private:
  std::int64_t second_ = std::numeric_limits<std::int64_t>::min();
  char text_[iso8601_us_size] = {};
};

/// Per-thread scratch: the padded copy of the body, the parser and its buffers, and the
/// request's part of every line. Reused so that a warm thread allocates only the lines.
struct thread_scratch {
  od::parser parser;
  std::unique_ptr<char[]> padded;
  std::size_t padded_capacity = 0;
  std::string tail;
  std::string ip;
  // The client fields (address, visitor hash, agent, bot mark) of recent clients: a visitor's
  // browser sends every event as its own request, with the same address and agent.
  struct client_entry {
    std::uint64_t enricher_id = 0;  // 0: empty
    std::int64_t day = 0;
    std::string peer;
    std::string user_agent;
    std::string fields;
  };
  std::array<client_entry, 64> clients;
  timestamp_text received_text;
  timestamp_text processed_text;
};

thread_scratch& scratch() {
  thread_local thread_scratch s;
  return s;
}

}  // namespace

struct event_enricher::object_facts {
  captured type, event, queue_name, message_id, timestamp, sent_at, session_id, user_id,
      anonymous_id, write_key;
};

/// The work of one enrich call: one parse of one body, on the calling thread's scratch.
class event_enricher::session {
 public:
  session(const event_enricher& e, const request_info& req, event_source source)
      : e_(e), req_(req), source_(source), s_(scratch()) {}

  /// Copies the body into the padded buffer and runs simdjson's first stage on it.
  reject_reason open(std::string_view body) {
    // Most bodies have no escapes at all; then neither the NUL check nor any per-string
    // escape check is needed.
    has_escape_ = std::memchr(body.data(), '\\', body.size()) != nullptr;
    body_ = body;
    has_line_break_ = std::memchr(body.data(), '\n', body.size()) != nullptr ||
                      std::memchr(body.data(), '\r', body.size()) != nullptr;
    const std::size_t need = body.size() + simdjson::SIMDJSON_PADDING;
    if (s_.padded_capacity < need) {
      s_.padded = std::make_unique<char[]>(need);
      s_.padded_capacity = need;
    }
    std::memcpy(s_.padded.get(), body.data(), body.size());
    std::memset(s_.padded.get() + body.size(), 0, simdjson::SIMDJSON_PADDING);
    body_size_ = body.size();
    budget_ = e_.config_.max_enrichment_ratio * body.size() + e_.config_.enrichment_allowance;
    build_tail();
    return from_error(s_.parser.iterate(s_.padded.get(), body.size(), need).get(doc_));
  }

  /// The refusal for a top-level value that is not what the route expects: not_json when it
  /// is not even JSON, else `wrong_shape`.
  reject_reason refuse_top_level(od::json_type t, reject_reason wrong_shape) {
    if (t == od::json_type::object || t == od::json_type::array) {
      // Full validation is not needed to know the shape is wrong, but a broken body should
      // still say so.
      od::value v;
      if (auto err = doc_.get_value().get(v)) return from_error(err);
      const char* end = nullptr;
      reject_reason r = validate_value(v, 0, end, nullptr);
      if (r == reject_reason::none) r = finish_document();
      return r != reject_reason::none ? r : wrong_shape;
    }
    std::string_view token;
    if (doc_.raw_json_token().get(token)) return reject_reason::not_json;
    if (!detail::is_json_scalar(token)) return reject_reason::not_json;
    return wrong_shape;
  }

  reject_reason document_type(od::json_type& t) { return from_error(doc_.type().get(t)); }

  /// After the top-level value: anything but whitespace left over makes the body not JSON.
  /// (On Demand reports OUT_OF_BOUNDS for the location exactly when no token is left.) A
  /// well-formed body is then refused whole if it holds a \u0000 escape, which jsonb cannot
  /// store; checking it last lets syntax and UTF-8 errors be reported as such.
  reject_reason finish_document() {
    const char* rest = nullptr;
    if (doc_.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
      return reject_reason::not_json;
    }
    if (has_escape_ && has_nul_escape(body_)) return reject_reason::nul_character;
    return reject_reason::none;
  }

  od::document& doc() noexcept { return doc_; }

  /// Validates every value below `v` (nested `depth` levels below the event object), setting
  /// `end` just past its last token and filling `cap` when given.
  reject_reason validate_value(od::value& v, unsigned depth, const char*& end, captured* cap) {
    od::json_type t;
    if (auto err = v.type().get(t)) return from_error(err);
    switch (t) {
      case od::json_type::object: {
        if (depth + 1 >= e_.config_.max_depth) return reject_reason::too_deep;
        od::object o;
        if (auto err = v.get_object().get(o)) return from_error(err);
        for (auto field_result : o) {
          od::field f;
          if (auto err = std::move(field_result).get(f)) return from_error(err);
          std::string_view key;
          if (auto r = read_key(f, key); r != reject_reason::none) return r;
          const char* value_end = nullptr;
          // Only the members of a captured value (properties, traits) are looked at.
          const bool flag = cap != nullptr && key == synthetic_property;
          captured flag_value;
          if (auto r =
                  validate_value(f.value(), depth + 1, value_end, flag ? &flag_value : nullptr);
              r != reject_reason::none) {
            return r;
          }
          if (flag) cap->synthetic = flag_value.is_true;
        }
        if (cap != nullptr) cap->k = captured::kind::object;
        return location(end);
      }
      case od::json_type::array: {
        if (depth + 1 >= e_.config_.max_depth) return reject_reason::too_deep;
        od::array a;
        if (auto err = v.get_array().get(a)) return from_error(err);
        for (auto element_result : a) {
          od::value element;
          if (auto err = std::move(element_result).get(element)) return from_error(err);
          const char* element_end = nullptr;
          if (auto r = validate_value(element, depth + 1, element_end, nullptr);
              r != reject_reason::none) {
            return r;
          }
        }
        if (cap != nullptr) cap->k = captured::kind::other;
        return location(end);
      }
      case od::json_type::string: {
        const std::string_view token = v.raw_json_token();
        end = token.data() + token.size();
        const std::size_t close = token.rfind('"');
        if (close == std::string_view::npos || close == 0) return reject_reason::not_json;
        std::string_view text = token.substr(1, close - 1);
        // Only escapes need a closer look: the first stage already checked UTF-8 and raw
        // control characters. The string is consumed either way: On Demand skips an
        // unconsumed string that is followed by ':' as if it were a key, which would let
        // `{"a":"b":"c"}` through.
        if (has_escape_ && std::memchr(text.data(), '\\', text.size()) != nullptr) {
          if (auto err = v.get_string().get(text)) return from_error(err);
        } else {
          od::raw_json_string consumed;
          if (auto err = v.get_raw_json_string().get(consumed)) return from_error(err);
        }
        if (cap != nullptr) {
          cap->k = captured::kind::string;
          cap->text = text;
        }
        return reject_reason::none;
      }
      case od::json_type::number: {
        const std::string_view token = v.raw_json_token();
        end = token.data() + token.size();
        switch (check_json_number(detail::trim_json_whitespace(token))) {
          case json_number_check::ok:
            break;
          case json_number_check::invalid:
            return reject_reason::not_json;
          case json_number_check::unsupported:
            // Refused once the whole event has been read, so a broken body is still not_json.
            note(reject_reason::unsupported_number);
            break;
        }
        if (cap != nullptr) cap->k = captured::kind::other;
        return reject_reason::none;
      }
      case od::json_type::boolean:
      case od::json_type::null: {
        const std::string_view token = v.raw_json_token();
        end = token.data() + token.size();
        if (!detail::is_json_scalar(token)) return reject_reason::not_json;
        if (cap != nullptr) {
          cap->k = t == od::json_type::null ? captured::kind::null : captured::kind::other;
          cap->is_true = token.front() == 't';
        }
        return reject_reason::none;
      }
    }
    return reject_reason::not_json;
  }

  /// Processes one event object: validates it, copies the client's members into a new line,
  /// appends ingest's keys and routes it. `call` is the Segment call when the route fixed it.
  reject_reason process_object(od::object obj, std::optional<segment_call> call,
                               const std::optional<sys_us>& envelope_sent_at, enriched_event& out) {
    object_facts facts;
    violation_ = reject_reason::none;
    out.synthetic = false;
    std::string& line = out.line;
    line.clear();
    line.reserve(std::min<std::size_t>(body_size_, 2048) + s_.tail.size() + 160 +
                 eventlog::frame_overhead);
    line.push_back('{');
    bool first = true;
    for (auto field_result : obj) {
      od::field f;
      if (auto err = std::move(field_result).get(f)) return from_error(err);
      const char* member_begin = f.key().raw() - 1;
      std::string_view key;
      if (auto r = read_key(f, key); r != reject_reason::none) return r;
      const key_kind kind = classify_key(key);
      captured typed;
      captured* cap = capture_slot(facts, kind, typed);
      const char* value_end = nullptr;
      if (auto r = validate_value(f.value(), 0, value_end, cap); r != reject_reason::none) {
        return r;
      }
      if (cap != nullptr) note(type_violation(kind, *cap));
      if (typed.synthetic) out.synthetic = true;
      // A member ends before the object's closing brace; no token after it means the body
      // stopped inside the object.
      if (value_end == nullptr) return reject_reason::not_json;
      if (!is_copied(kind)) continue;
      if (!first) line.push_back(',');
      first = false;
      append_member(line, member_begin, value_end);
    }
    if (violation_ != reject_reason::none) return violation_;
    return finish_event(facts, call, envelope_sent_at, first, out);
  }

  const std::string& tail() const noexcept { return s_.tail; }

  /// Counts an accepted event's line against the request's enrichment budget; false once the
  /// lines so far exceed it.
  bool charge(const enriched_event& ev) noexcept {
    enriched_ += ev.line.size();
    return enriched_ <= budget_;
  }

 private:
  /// The key of `f`; keys with escapes are unescaped (which also validates the escapes).
  reject_reason read_key(od::field& f, std::string_view& key) {
    const char* raw = f.key().raw();
    const char* p = raw;
    while (*p != '"' && *p != '\\') ++p;
    if (*p == '"') {
      key = std::string_view{raw, static_cast<std::size_t>(p - raw)};
      return reject_reason::none;
    }
    return from_error(f.unescaped_key().get(key));
  }

  /// The position of the next token; nullptr after the document's last token.
  reject_reason location(const char*& end) {
    const auto err = doc_.current_location().get(end);
    if (err == simdjson::OUT_OF_BOUNDS) {
      end = nullptr;
      return reject_reason::none;
    }
    return from_error(err);
  }

  /// Where the value of a `kind` member is captured: its slot in `facts`, `typed` for a member
  /// whose type alone matters, nullptr when ingest does not look at it.
  captured* capture_slot(object_facts& facts, key_kind kind, captured& typed) const noexcept {
    switch (kind) {
      case key_kind::url:
      case key_kind::path:
      case key_kind::properties:
      case key_kind::traits:
        return &typed;
      case key_kind::type:
        return &facts.type;
      case key_kind::event:
        return &facts.event;
      case key_kind::queue_name:
        return &facts.queue_name;
      case key_kind::message_id:
        return &facts.message_id;
      case key_kind::timestamp:
        return &facts.timestamp;
      case key_kind::sent_at:
        return &facts.sent_at;
      case key_kind::session_id:
        return &facts.session_id;
      case key_kind::user_id:
        return &facts.user_id;
      case key_kind::anonymous_id:
        return &facts.anonymous_id;
      case key_kind::write_key:
        return &facts.write_key;
      case key_kind::other:
      case key_kind::owned:
        return nullptr;
    }
    return nullptr;
  }

  /// Keeps the first refusal found in an event whose reading goes on (the rest of the event
  /// must still be validated, so a later syntax error is reported as such).
  void note(reject_reason r) noexcept {
    if (violation_ == reject_reason::none) violation_ = r;
  }

  /// The refusal for one occurrence of a member whose JSON type is wrong: these are the members
  /// the loader maps to typed columns (docs/formats/enriched-event.md, "Client fields ingest
  /// checks"), so an event ingest accepts is never refused by the loader as wrong_type. Each
  /// occurrence is checked: with a duplicate member, the loader reads every copy too.
  reject_reason type_violation(key_kind kind, const captured& c) const noexcept {
    switch (kind) {
      case key_kind::session_id:
        return c.is_other() ? reject_reason::invalid_session_id : reject_reason::none;
      case key_kind::user_id:
        return c.is_other() ? reject_reason::invalid_user_id : reject_reason::none;
      case key_kind::anonymous_id:
        return c.is_other() ? reject_reason::invalid_anonymous_id : reject_reason::none;
      case key_kind::event:
        // A Segment call's `event` is not copied (the call names the event).
        return source_ != event_source::segment && c.is_other() ? reject_reason::invalid_event
                                                                : reject_reason::none;
      case key_kind::url:
        return c.is_other() ? reject_reason::invalid_url : reject_reason::none;
      case key_kind::path:
        return c.is_other() ? reject_reason::invalid_path : reject_reason::none;
      case key_kind::properties:
        return c.is_not_object() ? reject_reason::invalid_properties : reject_reason::none;
      case key_kind::traits:
        return c.is_not_object() ? reject_reason::invalid_traits : reject_reason::none;
      default:
        return reject_reason::none;
    }
  }

  /// Whether the client's member stays in place. `type` and `timestamp` are rewritten at the
  /// end; Segment's `event` too (it is set from the call); a write key is a credential and is
  /// never stored.
  bool is_copied(key_kind kind) const noexcept {
    switch (kind) {
      case key_kind::type:
      case key_kind::timestamp:
      case key_kind::write_key:
      case key_kind::owned:
        return false;
      case key_kind::event:
        return source_ != event_source::segment;
      default:
        return true;
    }
  }

  /// Appends the member text [begin, end) without the whitespace that follows it; a body with
  /// line breaks has the whitespace inside the member removed too, so the line stays one line.
  void append_member(std::string& line, const char* begin, const char* end) {
    while (end > begin &&
           (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r' || end[-1] == '\t')) {
      --end;
    }
    const auto n = static_cast<std::size_t>(end - begin);
    if (!has_line_break_) {
      line.append(begin, n);
      return;
    }
    const std::size_t at = line.size();
    line.resize(at + n);
    std::size_t written = 0;
    if (simdjson::minify(begin, n, line.data() + at, written) != simdjson::SUCCESS) {
      // The member was validated, so minify cannot fail; copying keeps the line valid JSON
      // (only the one-line property would be lost) if it ever did.
      std::memcpy(line.data() + at, begin, n);
      written = n;
    }
    line.resize(at + written);
  }

  /// The request's part of every line: server time, client address, visitor hash, user
  /// agent, bot mark and source.
  void build_tail() {
    std::string& t = s_.tail;
    t.clear();
    t.append(",\"server_timestamp\":\"");
    s_.received_text.append(req_.received, t);
    t.push_back('"');
    t.append(client_fields());
    t.append(",\"_source\":\"");
    t.append(to_string(source_));
    // The event log does not rewrite lines, so the hand-over time stands for the write time;
    // with group commit the two are milliseconds apart.
    t.append("\",\"_processed_at\":\"");
    s_.processed_text.append(now_us(), t);
    t.push_back('"');
  }

  /// The request's client fields, from the per-thread cache when this client was seen today.
  const std::string& client_fields() {
    const auto day =
        std::chrono::floor<std::chrono::days>(req_.received.time_since_epoch()).count();
    const std::uint64_t h =
        XXH3_64bits_withSeed(req_.user_agent.data(), req_.user_agent.size(),
                             XXH3_64bits(req_.client_ip.data(), req_.client_ip.size()));
    auto& entry = s_.clients[h % s_.clients.size()];
    if (entry.enricher_id == e_.id_ && entry.day == day && entry.peer == req_.client_ip &&
        entry.user_agent == req_.user_agent) {
      return entry.fields;
    }
    entry.enricher_id = e_.id_;
    entry.day = day;
    entry.peer.assign(req_.client_ip);
    entry.user_agent.assign(req_.user_agent);
    std::string& t = entry.fields;
    t.clear();
    s_.ip.clear();
    const bool have_ip = append_canonical_ip(s_.ip, req_.client_ip);
    if (have_ip && e_.config_.client_ip != ip_mode::none) {
      const std::size_t at = t.size();
      t.append(",\"client_ip\":\"");
      if (append_client_ip(t, req_.client_ip, e_.config_.client_ip)) {
        t.push_back('"');
      } else {
        t.resize(at);
      }
    }
    if (have_ip && e_.visitor_hash_.enabled()) {
      char hex[16];
      write_hex16(e_.visitor_hash_.hash(day, s_.ip, req_.user_agent), hex);
      t.append(",\"visitor_hash\":\"");
      t.append(hex, sizeof hex);
      t.push_back('"');
    }
    if (!req_.user_agent.empty()) {
      t.append(",\"user_agent\":");
      append_capped_json_string(t, req_.user_agent, e_.config_.max_user_agent_bytes);
      if (e_.config_.bot_tagging && e_.bots_.is_bot(req_.user_agent)) t.append(",\"_bot\":true");
    }
    return t;
  }

  reject_reason finish_event(const object_facts& facts, std::optional<segment_call> call,
                             const std::optional<sys_us>& envelope_sent_at, bool no_members,
                             enriched_event& out) {
    std::string_view type;
    std::string_view event_name;
    bool emit_event = false;
    if (source_ == event_source::segment) {
      if (!call) {
        if (!facts.type.is_nonempty_string()) return reject_reason::missing_type;
        call = parse_segment_call(facts.type.text);
        if (!call) return reject_reason::unknown_type;
      }
      switch (*call) {
        case segment_call::track:
          if (!facts.event.is_nonempty_string()) return reject_reason::missing_event;
          type = "custom_event";
          event_name = facts.event.text;
          emit_event = true;
          break;
        case segment_call::page:
        case segment_call::screen:
          type = "page_view";
          break;
        case segment_call::identify:
          type = "identify";
          break;
        case segment_call::group:
        case segment_call::alias:
          type = "custom_event";
          event_name = to_string(*call);
          emit_event = true;
          break;
      }
      if (!facts.user_id.is_nonempty_string() && !facts.anonymous_id.is_nonempty_string()) {
        return reject_reason::missing_identity;
      }
    } else {
      if (!facts.type.is_nonempty_string()) return reject_reason::missing_type;
      type = facts.type.text;
      if (facts.event.is_string()) event_name = facts.event.text;
      if (type == "custom_event" && event_name.empty()) return reject_reason::missing_event;
    }

    if (facts.message_id.is_string()) {
      const auto id = event_id_from_message_id(facts.message_id.text);
      if (!id) return reject_reason::invalid_message_id;
      out.event_id = *id;
    } else if (facts.message_id.is_other()) {
      return reject_reason::invalid_message_id;
    } else {
      out.event_id = uuid_v7();
    }

    std::optional<sys_us> timestamp;
    if (facts.timestamp.is_string()) {
      timestamp = parse_iso8601(facts.timestamp.text);
      if (!timestamp) return reject_reason::invalid_timestamp;
    } else if (facts.timestamp.is_other()) {
      return reject_reason::invalid_timestamp;
    }
    std::optional<sys_us> sent_at = envelope_sent_at;
    if (facts.sent_at.is_string()) {
      sent_at = parse_iso8601(facts.sent_at.text);
      if (!sent_at) return reject_reason::invalid_sent_at;
    } else if (facts.sent_at.is_other()) {
      return reject_reason::invalid_sent_at;
    }

    out.queue = route(type, event_name, facts.queue_name.is_string() ? facts.queue_name.text : "");

    std::string& line = out.line;
    if (!no_members) line.push_back(',');
    line.append("\"event_id\":\"");
    const std::size_t at = line.size();
    line.resize(at + uuid_text_size);
    out.event_id.write(line.data() + at);
    line.append("\",\"type\":");
    append_json_string(line, type);
    if (emit_event) {
      line.append(",\"event\":");
      append_json_string(line, event_name);
    }
    if (timestamp) {
      line.append(",\"timestamp\":");
      const sys_us corrected = sent_at ? req_.received - (*sent_at - *timestamp) : *timestamp;
      if (corrected != *timestamp) {
        char text[iso8601_us_size];
        format_iso8601_us(corrected, text);
        line.push_back('"');
        line.append(text, sizeof text);
        line.append("\",\"original_timestamp\":");
      }
      append_json_string(line, facts.timestamp.text);
    }
    line.append(s_.tail);
    line.append(",\"_queue\":\"");
    line.append(to_string(out.queue));
    line.append("\"}");
    return reject_reason::none;
  }

  const event_enricher& e_;
  const request_info& req_;
  event_source source_;
  thread_scratch& s_;
  od::document doc_;
  std::string_view body_;
  std::size_t body_size_ = 0;
  std::size_t budget_ = 0;
  std::size_t enriched_ = 0;
  bool has_line_break_ = false;
  bool has_escape_ = false;
  reject_reason violation_ = reject_reason::none;  // the current event's first (see note())
};

std::string_view to_string(event_source s) noexcept {
  switch (s) {
    case event_source::api:
      return "api";
    case event_source::segment:
      return "segment";
    case event_source::server:
      return "server";
  }
  return "api";
}

std::string_view to_string(segment_call c) noexcept {
  switch (c) {
    case segment_call::track:
      return "track";
    case segment_call::page:
      return "page";
    case segment_call::screen:
      return "screen";
    case segment_call::identify:
      return "identify";
    case segment_call::group:
      return "group";
    case segment_call::alias:
      return "alias";
  }
  return "track";
}

std::optional<segment_call> parse_segment_call(std::string_view text) noexcept {
  if (text == "track") return segment_call::track;
  if (text == "page") return segment_call::page;
  if (text == "screen") return segment_call::screen;
  if (text == "identify") return segment_call::identify;
  if (text == "group") return segment_call::group;
  if (text == "alias") return segment_call::alias;
  return std::nullopt;
}

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

namespace {
std::atomic<std::uint64_t> next_enricher_id{1};
}  // namespace

event_enricher::event_enricher(const ingest_config& config)
    : config_(config),
      visitor_hash_(config.visitor_hash_key),
      id_(next_enricher_id.fetch_add(1, std::memory_order_relaxed)) {
  if (config_.max_depth < 2) config_.max_depth = 2;
}

bool event_enricher::authorized(std::string_view authorization,
                                std::string_view body_write_key) const noexcept {
  if (config_.write_key.empty()) return true;
  if (http::constant_time_equal(body_write_key, config_.write_key)) return true;
  char user[http::max_basic_user];
  std::size_t user_size = 0;
  return http::basic_auth_user(authorization, user, user_size) &&
         http::constant_time_equal({user, user_size}, config_.write_key);
}

reject_reason event_enricher::enrich_one(event_source source, std::string_view body,
                                         const request_info& req, enriched_event& out) const {
  session s{*this, req, source};
  if (auto r = s.open(body); r != reject_reason::none) return r;
  od::json_type t;
  if (auto r = s.document_type(t); r != reject_reason::none) return r;
  if (t != od::json_type::object) return s.refuse_top_level(t, reject_reason::not_object);
  od::object obj;
  if (auto err = s.doc().get_object().get(obj)) return from_error(err);
  if (auto r = s.process_object(obj, std::nullopt, std::nullopt, out); r != reject_reason::none) {
    return r;
  }
  if (!s.charge(out)) return reject_reason::enriched_too_large;
  return s.finish_document();
}

reject_reason event_enricher::enrich_batch(std::string_view body, const request_info& req,
                                           std::vector<batch_item>& out) const {
  out.clear();
  session s{*this, req, event_source::api};
  if (auto r = s.open(body); r != reject_reason::none) return r;
  od::json_type t;
  if (auto r = s.document_type(t); r != reject_reason::none) return r;
  if (t != od::json_type::array) return s.refuse_top_level(t, reject_reason::not_array);
  od::array arr;
  if (auto err = s.doc().get_array().get(arr)) return from_error(err);
  for (auto element_result : arr) {
    od::value element;
    if (auto err = std::move(element_result).get(element)) return from_error(err);
    if (out.size() == config_.max_batch_events) return reject_reason::too_many_events;
    batch_item& item = out.emplace_back();
    od::json_type et;
    if (auto err = element.type().get(et)) return from_error(err);
    if (et != od::json_type::object) {
      const char* end = nullptr;
      if (auto r = s.validate_value(element, 0, end, nullptr); r != reject_reason::none) return r;
      item.reason = reject_reason::not_object;
      continue;
    }
    od::object obj;
    if (auto err = element.get_object().get(obj)) return from_error(err);
    item.reason = s.process_object(obj, std::nullopt, std::nullopt, item.event);
    if (is_fatal(item.reason)) return item.reason;
    if (item.reason == reject_reason::none && !s.charge(item.event)) {
      return reject_reason::enriched_too_large;
    }
  }
  return s.finish_document();
}

reject_reason event_enricher::enrich_segment(segment_call call, std::string_view body,
                                             const request_info& req, enriched_event& out) const {
  session s{*this, req, event_source::segment};
  if (auto r = s.open(body); r != reject_reason::none) return r;
  od::json_type t;
  if (auto r = s.document_type(t); r != reject_reason::none) return r;
  if (t != od::json_type::object) return s.refuse_top_level(t, reject_reason::not_object);
  od::object obj;
  if (auto err = s.doc().get_object().get(obj)) return from_error(err);

  // The body's writeKey is only known once the object has been read, so the message is
  // processed first and refused afterwards if the key is wrong.
  std::string_view body_key;
  if (!config_.write_key.empty()) {
    od::value key_value;
    if (obj.find_field_unordered("writeKey").get(key_value) == simdjson::SUCCESS) {
      if (key_value.get_string().get(body_key) != simdjson::SUCCESS) body_key = {};
    }
    if (!authorized(req.authorization, body_key)) return reject_reason::unauthorized;
    s.doc().rewind();
    if (auto err = s.doc().get_object().get(obj)) return from_error(err);
  }
  if (auto r = s.process_object(obj, call, std::nullopt, out); r != reject_reason::none) return r;
  if (!s.charge(out)) return reject_reason::enriched_too_large;
  return s.finish_document();
}

reject_reason event_enricher::enrich_segment_batch(std::string_view body, const request_info& req,
                                                   std::vector<batch_item>& out) const {
  out.clear();
  session s{*this, req, event_source::segment};
  if (auto r = s.open(body); r != reject_reason::none) return r;
  od::json_type t;
  if (auto r = s.document_type(t); r != reject_reason::none) return r;
  if (t != od::json_type::object) return s.refuse_top_level(t, reject_reason::not_object);

  // First pass: the envelope's sentAt and writeKey, which may come after the batch.
  std::optional<sys_us> sent_at;
  std::string_view body_key;
  {
    od::object envelope;
    if (auto err = s.doc().get_object().get(envelope)) return from_error(err);
    for (auto field_result : envelope) {
      od::field f;
      if (auto err = std::move(field_result).get(f)) return from_error(err);
      if (f.key() == "sentAt") {
        od::json_type vt;
        if (auto err = f.value().type().get(vt)) return from_error(err);
        if (vt == od::json_type::null) continue;
        std::string_view text;
        if (f.value().get_string().get(text) != simdjson::SUCCESS) {
          return reject_reason::invalid_sent_at;
        }
        sent_at = parse_iso8601(text);
        if (!sent_at) return reject_reason::invalid_sent_at;
      } else if (f.key() == "writeKey") {
        if (f.value().get_string().get(body_key) != simdjson::SUCCESS) body_key = {};
      }
    }
  }
  if (!authorized(req.authorization, body_key)) return reject_reason::unauthorized;

  s.doc().rewind();
  od::object envelope;
  if (auto err = s.doc().get_object().get(envelope)) return from_error(err);
  bool saw_batch = false;
  for (auto field_result : envelope) {
    od::field f;
    if (auto err = std::move(field_result).get(f)) return from_error(err);
    if (f.key() != "batch") {
      const char* end = nullptr;
      if (auto r = s.validate_value(f.value(), 0, end, nullptr); r != reject_reason::none) {
        return r;
      }
      continue;
    }
    saw_batch = true;
    od::json_type bt;
    if (auto err = f.value().type().get(bt)) return from_error(err);
    if (bt != od::json_type::array) return reject_reason::not_array;
    od::array arr;
    if (auto err = f.value().get_array().get(arr)) return from_error(err);
    for (auto element_result : arr) {
      od::value element;
      if (auto err = std::move(element_result).get(element)) return from_error(err);
      if (out.size() == config_.max_batch_events) return reject_reason::too_many_events;
      batch_item& item = out.emplace_back();
      od::json_type et;
      if (auto err = element.type().get(et)) return from_error(err);
      if (et != od::json_type::object) {
        const char* end = nullptr;
        if (auto r = s.validate_value(element, 0, end, nullptr); r != reject_reason::none) {
          return r;
        }
        item.reason = reject_reason::not_object;
        continue;
      }
      od::object obj;
      if (auto err = element.get_object().get(obj)) return from_error(err);
      item.reason = s.process_object(obj, std::nullopt, sent_at, item.event);
      if (is_fatal(item.reason)) return item.reason;
      if (item.reason == reject_reason::none && !s.charge(item.event)) {
        return reject_reason::enriched_too_large;
      }
    }
  }
  if (!saw_batch) return reject_reason::not_array;
  return s.finish_document();
}

}  // namespace gg::ingest
