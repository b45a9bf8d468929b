#pragma once
// The parameters of one panel statement, collected while its SQL is assembled: the SQL text
// holds only fixed fragments and "$n::type" placeholders, every value travels out of band.

#include <gadgetgrove/pg/params.hpp>

#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace gg::dashboard {

/// Values of one statement in order. Not thread-safe; lives as long as the statement runs.
class bound_params {
 public:
  /// Stores `value` and returns its placeholder, "$<n>::<type>" (type: a fixed SQL type name).
  std::string add(std::string value, std::string_view type) {
    values_.push_back(std::move(value));
    return "$" + std::to_string(values_.size()) + "::" + std::string(type);
  }

  /// The values for pg::connection::exec; valid while this object lives and is not changed.
  std::vector<pg::param_value> values() const {
    std::vector<pg::param_value> out;
    out.reserve(values_.size());
    for (const auto& v : values_) out.emplace_back(v);
    return out;
  }

 private:
  std::deque<std::string> values_;  // a deque: stored strings never move
};

}  // namespace gg::dashboard
