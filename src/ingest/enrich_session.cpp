#include "enrich_session.hpp"

#include "client_fields.hpp"
#include "json_scalar.hpp"
#include "segment_mapping.hpp"

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/json_number.hpp>
#include <gadgetgrove/core/synthetic_marker.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>

#include <algorithm>
#include <cstring>

namespace gg::ingest {

using detail::captured;
using detail::classify_key;
using detail::from_error;
using detail::has_nul_escape;
using detail::key_kind;
using detail::object_facts;

reject_reason event_enricher::session::open(std::string_view body) {
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

reject_reason event_enricher::session::refuse_top_level(od::json_type t,
                                                        reject_reason wrong_shape) {
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

reject_reason event_enricher::session::finish_document() {
  const char* rest = nullptr;
  if (doc_.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
    return reject_reason::not_json;
  }
  if (has_escape_ && has_nul_escape(body_)) return reject_reason::nul_character;
  return reject_reason::none;
}

reject_reason event_enricher::session::validate_value(od::value& v, unsigned depth,
                                                      const char*& end, captured* cap) {
  od::json_type t{};
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
        if (auto r = validate_value(f.value(), depth + 1, value_end, flag ? &flag_value : nullptr);
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

reject_reason event_enricher::session::process_object(od::object obj,
                                                      std::optional<segment_call> call,
                                                      const std::optional<sys_us>& envelope_sent_at,
                                                      enriched_event& out) {
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
    if (cap != nullptr) note(detail::type_violation(kind, *cap, source_ == event_source::segment));
    if (typed.synthetic) out.synthetic = true;
    // A member ends before the object's closing brace; no token after it means the body
    // stopped inside the object.
    if (value_end == nullptr) return reject_reason::not_json;
    if (!detail::is_copied(kind, source_ == event_source::segment)) continue;
    if (!first) line.push_back(',');
    first = false;
    append_member(line, member_begin, value_end);
  }
  if (violation_ != reject_reason::none) return violation_;
  return finish_event(facts, call, envelope_sent_at, first, out);
}

bool event_enricher::session::charge(const enriched_event& ev) noexcept {
  enriched_ += ev.line.size();
  return enriched_ <= budget_;
}

reject_reason event_enricher::session::read_key(od::field& f, std::string_view& key) {
  const char* raw = f.key().raw();
  const char* p = raw;
  while (*p != '"' && *p != '\\') ++p;
  if (*p == '"') {
    key = std::string_view{raw, static_cast<std::size_t>(p - raw)};
    return reject_reason::none;
  }
  return from_error(f.unescaped_key().get(key));
}

reject_reason event_enricher::session::location(const char*& end) {
  const auto err = doc_.current_location().get(end);
  if (err == simdjson::OUT_OF_BOUNDS) {
    end = nullptr;
    return reject_reason::none;
  }
  return from_error(err);
}

captured* event_enricher::session::capture_slot(object_facts& facts, key_kind kind,
                                                captured& typed) const noexcept {
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

void event_enricher::session::note(reject_reason r) noexcept {
  if (violation_ == reject_reason::none) violation_ = r;
}

void event_enricher::session::append_member(std::string& line, const char* begin, const char* end) {
  while (end > begin && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r' || end[-1] == '\t')) {
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

void event_enricher::session::build_tail() {
  std::string& t = s_.tail;
  t.clear();
  t.append(",\"server_timestamp\":\"");
  s_.received_text.append(req_.received, t);
  t.push_back('"');
  t.append(detail::client_fields(s_, req_, {e_.config_, e_.bots_, e_.visitor_hash_, e_.id_}));
  t.append(",\"_source\":\"");
  t.append(to_string(source_));
  // The event log does not rewrite lines, so the hand-over time stands for the write time;
  // with group commit the two are milliseconds apart.
  t.append("\",\"_processed_at\":\"");
  s_.processed_text.append(now_us(), t);
  t.push_back('"');
}

reject_reason event_enricher::session::finish_event(const object_facts& facts,
                                                    std::optional<segment_call> call,
                                                    const std::optional<sys_us>& envelope_sent_at,
                                                    bool no_members, enriched_event& out) {
  std::string_view type;
  std::string_view event_name;
  bool emit_event = false;
  if (source_ == event_source::segment) {
    detail::segment_mapping m;
    if (auto r = detail::map_segment_event(call, facts.type, facts.event, facts.user_id,
                                           facts.anonymous_id, m);
        r != reject_reason::none) {
      return r;
    }
    type = m.type;
    event_name = m.event_name;
    emit_event = m.emit_event;
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

}  // namespace gg::ingest
