#include <gadgetgrove/core/json_text.hpp>

#include <gadgetgrove/core/json_escape.hpp>

#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace gg {
namespace {

// The longest fixed text: DBL_MAX has 309 integer digits; the shortest text of the smallest
// subnormal has 324 decimals; json_max_decimals more after 309 digits is shorter than that.
constexpr std::size_t max_double_text = 1 + 1 + 1 + 324 + 8;  // sign, "0.", digits, slack

class writer {
 public:
  writer(std::string& out, std::span<const json_decimals> by_key) : out_(out), by_key_(by_key) {}

  void value(const boost::json::value& v, int decimals) {
    switch (v.kind()) {
      case boost::json::kind::null:
        out_ += "null";
        break;
      case boost::json::kind::bool_:
        out_ += v.get_bool() ? "true" : "false";
        break;
      case boost::json::kind::int64:
        integer(v.get_int64());
        break;
      case boost::json::kind::uint64:
        integer(v.get_uint64());
        break;
      case boost::json::kind::double_:
        append_json_double(out_, v.get_double(), decimals);
        break;
      case boost::json::kind::string:
        append_json_string(out_, v.get_string());
        break;
      case boost::json::kind::array: {
        out_.push_back('[');
        bool first = true;
        for (const boost::json::value& e : v.get_array()) {
          if (!first) out_.push_back(',');
          first = false;
          value(e, decimals);
        }
        out_.push_back(']');
        break;
      }
      case boost::json::kind::object: {
        out_.push_back('{');
        bool first = true;
        for (const boost::json::key_value_pair& m : v.get_object()) {
          if (!first) out_.push_back(',');
          first = false;
          append_json_string(out_, m.key());
          out_.push_back(':');
          value(m.value(), decimals_for(m.key(), decimals));
        }
        out_.push_back('}');
        break;
      }
    }
  }

 private:
  template <class Int>
  void integer(Int n) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
  }

  int decimals_for(std::string_view key, int inherited) const {
    for (const json_decimals& d : by_key_) {
      if (d.key == key) return d.decimals;
    }
    return inherited;
  }

  std::string& out_;
  std::span<const json_decimals> by_key_;
};

}  // namespace

void append_json_double(std::string& out, double v, int decimals) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[max_double_text];
  const std::to_chars_result r =
      decimals < 0 ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                   : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed,
                                   std::min(decimals, json_max_decimals));
  const char* first = buf;
  // -0.0, and negatives that round to zero, would read "-0.00": a zero carries no sign.
  if (*first == '-' && std::all_of(first + 1, static_cast<const char*>(r.ptr),
                                   [](char c) { return c == '0' || c == '.'; })) {
    ++first;
  }
  out.append(first, static_cast<std::size_t>(r.ptr - first));
  // Readers that take a literal without point or exponent as a 64-bit integer (simdjson, which
  // the loader uses) refuse one with more digits than that holds; ".0" makes it a double.
  const char* digits = *first == '-' ? first + 1 : first;
  if (r.ptr - digits >= 19 && std::find(digits, static_cast<const char*>(r.ptr), '.') == r.ptr) {
    out += ".0";
  }
}

void append_json_value(std::string& out, const boost::json::value& v,
                       std::span<const json_decimals> by_key, int fallback) {
  writer(out, by_key).value(v, fallback);
}

std::string json_text(const boost::json::value& v, std::span<const json_decimals> by_key,
                      int fallback) {
  std::string out;
  append_json_value(out, v, by_key, fallback);
  return out;
}

}  // namespace gg
