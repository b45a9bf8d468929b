#pragma once
// A JSON document written by hand, so numbers keep the form the dashboard contract gives them:
// money as PostgreSQL's numeric text with two decimals ("45.00"), counts as integers, rates in
// their shortest round-trip form (Boost.JSON would print 45.0 as 4.5E1).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gg::dashboard {

/// Appends values in document order; commas and nesting are its business. The caller keeps
/// the structure valid (a key before each member value, open/close balanced). Not thread-safe.
class json_writer {
 public:
  json_writer& open_object();
  json_writer& close_object();
  json_writer& open_array();
  json_writer& close_array();
  /// The next member's name.
  json_writer& key(std::string_view name);
  json_writer& string(std::string_view s);
  json_writer& optional_string(const std::optional<std::string>& s);
  json_writer& null();
  json_writer& boolean(bool b);
  json_writer& integer(std::int64_t n);
  /// A finite double in shortest form; null for NaN or infinity.
  json_writer& number(double x);
  json_writer& optional_number(std::optional<double> x);
  /// A decimal as PostgreSQL's numeric text ("-12.50"); anything else (NaN, empty) is null.
  json_writer& decimal(std::string_view text);
  /// The finished document.
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> has_member_;  // per open container: a value was written
  bool after_key_ = false;
};

}  // namespace gg::dashboard
