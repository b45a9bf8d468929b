#include "event_writer.hpp"

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/synthetic_marker.hpp>

#include <charconv>

namespace gg::traffic {
namespace {

void append_stamp(std::string& out, const event_stamp& s, bool with_user) {
  out.append(R"(,"messageId":)");
  append_json_string(out, s.message_id);
  out.append(R"(,"timestamp":")");
  const std::size_t at = out.size();
  out.resize(at + iso8601_ms_size);
  format_iso8601_ms(s.time, out.data() + at);
  out.push_back('"');
  if (!s.session_id.empty()) {
    out.append(R"(,"sessionId":)");
    append_json_string(out, s.session_id);
  }
  if (with_user && !s.user_id.empty()) {
    out.append(R"(,"userId":)");
    append_json_string(out, s.user_id);
  }
  out.push_back('}');
}

/// `"_synthetic":true`, the member that marks a simulated shopper's event.
void append_synthetic_member(std::string& out) {
  append_json_string(out, synthetic_property);
  out.append(":true");
}

/// The JSON object `object` (or {} when empty) with the synthetic mark as its first member
/// when `synthetic`.
void append_object(std::string& out, std::string_view object, bool synthetic) {
  if (object.empty()) object = "{}";
  if (!synthetic) {
    out.append(object);
    return;
  }
  out.push_back('{');
  append_synthetic_member(out);
  object.remove_prefix(1);  // the '{'
  const auto first = object.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && object[first] != '}') out.push_back(',');
  out.append(object);
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

}  // namespace

void append_page_view(std::string& out, std::string_view url, std::string_view path,
                      std::string_view title, std::string_view referrer, const event_stamp& s) {
  out.append(R"({"type":"page_view","url":)");
  append_json_string(out, url);
  out.append(R"(,"path":)");
  append_json_string(out, path);
  out.append(R"(,"title":)");
  append_json_string(out, title);
  out.append(R"(,"referrer":)");
  append_json_string(out, referrer);
  if (s.synthetic) {
    out.append(R"(,"properties":{)");
    append_synthetic_member(out);
    out.push_back('}');
  }
  append_stamp(out, s, true);
}

void append_custom_event(std::string& out, std::string_view event, std::string_view properties_json,
                         const event_stamp& s) {
  out.append(R"({"type":"custom_event","event":)");
  append_json_string(out, event);
  out.append(R"(,"properties":)");
  append_object(out, properties_json, s.synthetic);
  append_stamp(out, s, true);
}

void append_identify(std::string& out, std::string_view user_id, std::string_view name,
                     std::string_view email, const event_stamp& s) {
  out.append(R"({"type":"identify","userId":)");
  append_json_string(out, user_id);
  out.append(R"(,"traits":{)");
  if (s.synthetic) {
    append_synthetic_member(out);
    out.push_back(',');
  }
  out.append(R"("name":)");
  append_json_string(out, name);
  out.append(R"(,"email":)");
  append_json_string(out, email);
  out.push_back('}');
  append_stamp(out, s, false);
}

void append_product_properties(std::string& out, const product_entry& p, std::uint32_t quantity) {
  out.append(R"({"product_id":)");
  append_json_string(out, p.id);
  out.append(R"(,"name":)");
  append_json_string(out, p.name);
  out.append(R"(,"brand":)");
  append_json_string(out, p.brand);
  out.append(R"(,"category":)");
  append_json_string(out, p.category);
  out.append(R"(,"price":)");
  out.append(p.price_text.empty() ? std::string_view{"0"} : std::string_view{p.price_text});
  if (quantity > 0) {
    out.append(R"(,"quantity":)");
    append_int(out, quantity);
  }
  out.push_back('}');
}

void append_money(std::string& out, std::int64_t cents) {
  if (cents < 0) {
    out.push_back('-');
    cents = -cents;
  }
  append_int(out, cents / 100);
  const auto fraction = cents % 100;
  if (fraction == 0) return;
  out.push_back('.');
  out.push_back(static_cast<char>('0' + fraction / 10));
  if (fraction % 10 != 0) out.push_back(static_cast<char>('0' + fraction % 10));
}

}  // namespace gg::traffic
