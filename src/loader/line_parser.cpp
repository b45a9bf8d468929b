#include "line_parser.hpp"

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/json_number.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>

#include <simdjson.h>

#include <cstring>

namespace gg::loader {
namespace {

namespace od = simdjson::ondemand;
using od::json_type;

static_assert(line_padding >= simdjson::SIMDJSON_PADDING);

// PostgreSQL's JSON parser recurses per level; far below its stack limit.
constexpr int max_depth = 512;

bool has_nul(std::string_view s) noexcept { return std::memchr(s.data(), 0, s.size()) != nullptr; }

std::string_view trim_right(std::string_view s) noexcept {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

enum class walk_result : std::uint8_t { ok, invalid, unsupported };

// Visits every byte of a value so that what reaches jsonb_in is exactly what PostgreSQL
// accepts: well-formed JSON, no \u0000, no lone surrogate, numbers numeric_in can hold.
// (simdjson's ondemand skips values it is not asked about without validating them.)
walk_result walk_value(od::value v, int depth) noexcept {
  if (depth > max_depth) return walk_result::unsupported;
  json_type t;
  if (v.type().get(t)) return walk_result::invalid;
  switch (t) {
    case json_type::object: {
      od::object o;
      if (v.get_object().get(o)) return walk_result::invalid;
      for (auto item : o) {
        od::field f;
        if (std::move(item).get(f)) return walk_result::invalid;
        std::string_view key;
        if (f.unescaped_key().get(key)) return walk_result::invalid;
        if (has_nul(key)) return walk_result::unsupported;
        if (auto r = walk_value(f.value(), depth + 1); r != walk_result::ok) return r;
      }
      return walk_result::ok;
    }
    case json_type::array: {
      od::array a;
      if (v.get_array().get(a)) return walk_result::invalid;
      for (auto item : a) {
        od::value e;
        if (std::move(item).get(e)) return walk_result::invalid;
        if (auto r = walk_value(e, depth + 1); r != walk_result::ok) return r;
      }
      return walk_result::ok;
    }
    case json_type::string: {
      std::string_view s;
      if (v.get_string().get(s)) return walk_result::invalid;
      return has_nul(s) ? walk_result::unsupported : walk_result::ok;
    }
    case json_type::number: {
      switch (check_json_number(trim_right(v.raw_json_token()))) {
        case json_number_check::ok:
          return walk_result::ok;
        case json_number_check::invalid:
          return walk_result::invalid;
        case json_number_check::unsupported:
          return walk_result::unsupported;
      }
      return walk_result::invalid;
    }
    case json_type::boolean: {
      bool b;
      return v.get_bool().get(b) ? walk_result::invalid : walk_result::ok;
    }
    case json_type::null: {
      bool is_null = false;
      return v.is_null().get(is_null) || !is_null ? walk_result::invalid : walk_result::ok;
    }
  }
  return walk_result::invalid;
}

// simdjson 3.0 has no document::at_end(): past the root value there is no location left.
bool at_end(od::document& doc) noexcept {
  const char* location = nullptr;
  return doc.current_location().get(location) != simdjson::SUCCESS;
}

reject_reason make(reject_code code, std::string_view field = {}) noexcept {
  return reject_reason{code, field};
}

}  // namespace

struct line_parser::impl {
  od::parser line_parser;
  // A second parser validates an object found by the first while the first's document is
  // still being iterated.
  od::parser value_parser;
  std::string replay_buffer;
  // properties.url / properties.path live in value_parser's buffer, which the next walk
  // overwrites, so they are copied.
  std::string properties_url;
  std::string properties_path;
  bool has_properties_url = false;
  bool has_properties_path = false;
  // A page view's top-level title and referrer joined with its properties (see map()).
  std::string merged_properties;

  std::optional<reject_reason> map(const char* json, std::size_t size, std::size_t capacity,
                                   std::string_view queue, event_row& out);

  // Validates the raw text of an object (which lies inside the current line, so the line's
  // padding covers it) and, when `capture` is set, copies its top-level url and path strings.
  std::optional<reject_reason> validate_object(std::string_view raw, const char* end_of_capacity,
                                               std::string_view field, bool capture);
};

namespace {

// A string field: null or absent leaves `out` empty.
std::optional<reject_reason> read_text(od::value v, std::string_view field,
                                       std::optional<std::string_view>& out) noexcept {
  json_type t;
  if (v.type().get(t)) return make(reject_code::invalid_json);
  if (t == json_type::null) {
    out.reset();
    return std::nullopt;
  }
  if (t != json_type::string) return make(reject_code::wrong_type, field);
  std::string_view s;
  if (v.get_string().get(s)) return make(reject_code::invalid_json);
  if (has_nul(s)) return make(reject_code::unsupported_value, field);
  out = s;
  return std::nullopt;
}

// A field the raw tables have no column for, kept when it is a string PostgreSQL can store and
// ignored otherwise: never a reason to reject an event that loaded before.
void read_extra_text(od::value v, std::optional<std::string_view>& out) noexcept {
  json_type t;
  std::string_view s;
  if (v.type().get(t) || t != json_type::string || v.get_string().get(s) || has_nul(s)) return;
  out = s;
}

std::optional<reject_reason> read_time(od::value v, std::string_view field,
                                       std::optional<sys_us>& out) noexcept {
  std::optional<std::string_view> text;
  if (auto r = read_text(v, field, text)) return r;
  if (!text) {
    out.reset();
    return std::nullopt;
  }
  out = parse_iso8601(*text);
  if (!out) return make(reject_code::invalid_timestamp);
  return std::nullopt;
}

// The raw text of an object-valued field; null leaves `out` empty.
std::optional<reject_reason> read_object_text(od::value v, std::string_view field,
                                              std::optional<std::string_view>& out) noexcept {
  json_type t;
  if (v.type().get(t)) return make(reject_code::invalid_json);
  if (t == json_type::null) {
    out.reset();
    return std::nullopt;
  }
  if (t != json_type::object) return make(reject_code::wrong_type, field);
  od::object o;
  std::string_view raw;
  if (v.get_object().get(o) || o.raw_json().get(raw)) return make(reject_code::invalid_json);
  out = trim_right(raw);
  return std::nullopt;
}

// context.page.url / context.page.path, the last fallback for url and path. A context that is
// not an object is not ours to judge: it only feeds the fallback.
std::optional<reject_reason> read_context(od::value v, std::optional<std::string_view>& url,
                                          std::optional<std::string_view>& path) noexcept {
  json_type t;
  if (v.type().get(t)) return make(reject_code::invalid_json);
  if (t != json_type::object) return std::nullopt;
  od::object context;
  if (v.get_object().get(context)) return make(reject_code::invalid_json);
  for (auto item : context) {
    od::field f;
    std::string_view key;
    if (std::move(item).get(f) || f.unescaped_key().get(key))
      return make(reject_code::invalid_json);
    if (key != "page") continue;
    od::value page_value = f.value();
    if (page_value.type().get(t)) return make(reject_code::invalid_json);
    if (t != json_type::object) continue;
    od::object page;
    if (page_value.get_object().get(page)) return make(reject_code::invalid_json);
    for (auto page_item : page) {
      od::field pf;
      std::string_view page_key;
      if (std::move(page_item).get(pf) || pf.unescaped_key().get(page_key))
        return make(reject_code::invalid_json);
      std::optional<std::string_view>* target = page_key == "url"    ? &url
                                                : page_key == "path" ? &path
                                                                     : nullptr;
      if (target == nullptr) continue;
      od::value pv = pf.value();
      if (pv.type().get(t)) return make(reject_code::invalid_json);
      if (t != json_type::string) continue;
      if (auto r =
              read_text(pv, page_key == "url" ? "context.page.url" : "context.page.path", *target))
        return r;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<reject_reason> line_parser::impl::validate_object(std::string_view raw,
                                                                const char* end_of_capacity,
                                                                std::string_view field,
                                                                bool capture) {
  od::document doc;
  const auto capacity = static_cast<std::size_t>(end_of_capacity - raw.data());
  if (value_parser.iterate(raw.data(), raw.size(), capacity).get(doc))
    return make(reject_code::invalid_json);
  od::object o;
  if (doc.get_object().get(o)) return make(reject_code::invalid_json);
  for (auto item : o) {
    od::field f;
    std::string_view key;
    if (std::move(item).get(f) || f.unescaped_key().get(key))
      return make(reject_code::invalid_json);
    if (has_nul(key)) return make(reject_code::unsupported_value, field);
    od::value v = f.value();
    if (capture && (key == "url" || key == "path")) {
      json_type t;
      if (v.type().get(t)) return make(reject_code::invalid_json);
      if (t == json_type::string) {
        std::string_view s;
        if (v.get_string().get(s)) return make(reject_code::invalid_json);
        if (has_nul(s)) return make(reject_code::unsupported_value, field);
        if (key == "url") {
          properties_url.assign(s);
          has_properties_url = true;
        } else {
          properties_path.assign(s);
          has_properties_path = true;
        }
        continue;
      }
    }
    switch (walk_value(v, 1)) {
      case walk_result::ok:
        break;
      case walk_result::invalid:
        return make(reject_code::invalid_json);
      case walk_result::unsupported:
        return make(reject_code::unsupported_value, field);
    }
  }
  if (!at_end(doc)) return make(reject_code::invalid_json);
  return std::nullopt;
}

std::optional<reject_reason> line_parser::impl::map(const char* json, std::size_t size,
                                                    std::size_t capacity, std::string_view queue,
                                                    event_row& out) {
  out = event_row{};
  has_properties_url = false;
  has_properties_path = false;
  const char* const end_of_capacity = json + capacity;

  od::document doc;
  if (line_parser.iterate(json, size, capacity).get(doc)) return make(reject_code::invalid_json);
  od::object root;
  if (doc.get_object().get(root)) return make(reject_code::invalid_json);

  std::optional<std::string_view> event_id;
  std::optional<std::string_view> session_id;
  std::optional<std::string_view> anonymous_id;
  std::optional<std::string_view> properties;
  std::optional<std::string_view> traits;
  std::optional<std::string_view> context_url;
  std::optional<std::string_view> context_path;
  std::optional<std::string_view> queue_name;
  std::optional<std::string_view> title;
  std::optional<std::string_view> referrer;
  std::optional<sys_us> server_timestamp;
  bool has_event_id = false;

  for (auto item : root) {
    od::field f;
    std::string_view key;
    if (std::move(item).get(f) || f.unescaped_key().get(key))
      return make(reject_code::invalid_json);
    od::value v = f.value();
    std::optional<reject_reason> r;
    // Dispatch on length first: most keys of a line are the client's and match nothing.
    switch (key.size()) {
      case 3:
        if (key == "url") r = read_text(v, "url", out.url);
        break;
      case 4:
        if (key == "type") {
          r = read_text(v, "type", out.type);
        } else if (key == "path") {
          r = read_text(v, "path", out.path);
        } else if (key == "_bot") {
          json_type t;
          if (v.type().get(t)) return make(reject_code::invalid_json);
          if (t == json_type::null) {
            out.is_bot = false;
          } else if (t != json_type::boolean) {
            return make(reject_code::wrong_type, "_bot");
          } else if (v.get_bool().get(out.is_bot)) {
            return make(reject_code::invalid_json);
          }
        }
        break;
      case 5:
        if (key == "event") {
          r = read_text(v, "event", out.event);
        } else if (key == "title") {
          read_extra_text(v, title);
        }
        break;
      case 6:
        if (key == "userId") {
          r = read_text(v, "userId", out.user_id);
        } else if (key == "traits") {
          r = read_object_text(v, "traits", traits);
          if (!r && traits) r = validate_object(*traits, end_of_capacity, "traits", false);
        } else if (key == "_queue") {
          r = read_text(v, "_queue", queue_name);
        }
        break;
      case 7:
        if (key == "context") r = read_context(v, context_url, context_path);
        break;
      case 8:
        if (key == "event_id") {
          json_type t;
          if (v.type().get(t)) return make(reject_code::invalid_json);
          if (t != json_type::null) {
            r = read_text(v, "event_id", event_id);
            has_event_id = true;
          }
        } else if (key == "referrer") {
          read_extra_text(v, referrer);
        }
        break;
      case 9:
        if (key == "timestamp") {
          r = read_time(v, "timestamp", out.timestamp);
        } else if (key == "sessionId") {
          r = read_text(v, "sessionId", session_id);
        } else if (key == "client_ip") {
          r = read_text(v, "client_ip", out.client_ip);
        }
        break;
      case 10:
        if (key == "properties") {
          r = read_object_text(v, "properties", properties);
          if (!r && properties)
            r = validate_object(*properties, end_of_capacity, "properties", true);
        } else if (key == "user_agent") {
          r = read_text(v, "user_agent", out.user_agent);
        }
        break;
      case 11:
        if (key == "anonymousId") r = read_text(v, "anonymousId", anonymous_id);
        break;
      case 13:
        if (key == "_processed_at") r = read_time(v, "_processed_at", out.processed_timestamp);
        break;
      case 16:
        if (key == "server_timestamp") r = read_time(v, "server_timestamp", server_timestamp);
        break;
      default:
        break;
    }
    if (r) return r;
  }
  if (!at_end(doc)) return make(reject_code::invalid_json);

  if (!has_event_id) return make(reject_code::missing_event_id);
  const auto id = parse_uuid(*event_id);
  if (!id) return make(reject_code::invalid_event_id);
  out.event_id = *id;
  if (!server_timestamp) return make(reject_code::missing_server_timestamp);
  out.server_timestamp = *server_timestamp;

  if (!out.event) out.event = out.type;
  out.session_id = session_id ? session_id : anonymous_id;
  out.queue_name = queue_name ? *queue_name : queue;
  const bool identify = out.type && *out.type == "identify";
  out.properties = identify ? (traits ? traits : properties) : (properties ? properties : traits);
  // The tracker sends a page view's title and referrer at the top level, where the raw tables
  // have no column for them; they join the properties (whose own keys win: jsonb keeps the
  // last of duplicate keys), so the models' properties->>'referrer' sees them.
  if (!identify && (title || referrer)) {
    auto& m = merged_properties;
    m.assign("{");
    if (referrer) {
      m += "\"referrer\":";
      append_json_string(m, *referrer);
    }
    if (title) {
      if (referrer) m += ',';
      m += "\"title\":";
      append_json_string(m, *title);
    }
    std::string_view rest = out.properties ? *out.properties : std::string_view("{}");
    rest.remove_prefix(1);  // the object's '{'
    const auto first = rest.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && rest[first] != '}') m += ',';
    m.append(rest);
    out.properties = std::string_view(m);
  }
  if (!out.url) {
    if (has_properties_url) {
      out.url = properties_url;
    } else {
      out.url = context_url;
    }
  }
  if (!out.path) {
    if (has_properties_path) {
      out.path = properties_path;
    } else {
      out.path = context_path;
    }
  }
  return std::nullopt;
}

line_parser::line_parser() : impl_(std::make_unique<impl>()) {}
line_parser::~line_parser() = default;
line_parser::line_parser(line_parser&&) noexcept = default;
line_parser& line_parser::operator=(line_parser&&) noexcept = default;

std::optional<reject_reason> line_parser::parse_line(std::string_view line, bool terminated,
                                                     std::string_view queue, event_row& out) {
  if (!terminated) return make(reject_code::torn_line);
  switch (eventlog::check_frame(line)) {
    case eventlog::frame_check::ok:
      break;
    case eventlog::frame_check::missing:
      return make(reject_code::missing_checksum);
    case eventlog::frame_check::mismatch:
      return make(reject_code::checksum_mismatch);
  }
  return impl_->map(line.data(), line.size(), line.size() + line_padding, queue, out);
}

std::optional<reject_reason> line_parser::parse_replay(std::string_view line,
                                                       std::string_view queue, event_row& out) {
  if (eventlog::check_frame(line) == eventlog::frame_check::mismatch)
    return make(reject_code::checksum_mismatch);
  std::string& buffer = impl_->replay_buffer;
  buffer.assign(line);
  buffer.resize(line.size() + line_padding, ' ');
  return impl_->map(buffer.data(), line.size(), buffer.size(), queue, out);
}

}  // namespace gg::loader
