#include "json_writer.hpp"

#include <gadgetgrove/core/json_escape.hpp>

#include <fmt/format.h>

#include <cmath>

namespace gg::dashboard {

void json_writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_member_.empty()) {
    if (has_member_.back()) out_ += ',';
    has_member_.back() = true;
  }
}

json_writer& json_writer::open_object() {
  before_value();
  out_ += '{';
  has_member_.push_back(false);
  return *this;
}

json_writer& json_writer::close_object() {
  out_ += '}';
  has_member_.pop_back();
  return *this;
}

json_writer& json_writer::open_array() {
  before_value();
  out_ += '[';
  has_member_.push_back(false);
  return *this;
}

json_writer& json_writer::close_array() {
  out_ += ']';
  has_member_.pop_back();
  return *this;
}

json_writer& json_writer::key(std::string_view name) {
  before_value();
  append_json_string(out_, name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

json_writer& json_writer::string(std::string_view s) {
  before_value();
  append_json_string(out_, s);
  return *this;
}

json_writer& json_writer::optional_string(const std::optional<std::string>& s) {
  return s ? string(*s) : null();
}

json_writer& json_writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

json_writer& json_writer::boolean(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

json_writer& json_writer::integer(std::int64_t n) {
  before_value();
  fmt::format_to(std::back_inserter(out_), "{}", n);
  return *this;
}

json_writer& json_writer::number(double x) {
  if (!std::isfinite(x)) return null();
  before_value();
  fmt::format_to(std::back_inserter(out_), "{}", x);
  return *this;
}

json_writer& json_writer::optional_number(std::optional<double> x) {
  return x ? number(*x) : null();
}

json_writer& json_writer::decimal(std::string_view text) {
  // PostgreSQL's numeric output: an optional '-', digits, an optional '.' and digits. That is
  // a JSON number as it stands, except for a leading "-." or "." which numeric never prints.
  bool ok = !text.empty();
  bool digit = false;
  bool dot = false;
  for (std::size_t i = 0; i < text.size() && ok; ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c == '-' && i == 0) {
    } else if (c == '.' && digit && !dot) {
      dot = true;
    } else {
      ok = false;
    }
  }
  if (!ok || !digit || text.back() == '.') return null();
  before_value();
  out_ += text;
  return *this;
}

}  // namespace gg::dashboard
