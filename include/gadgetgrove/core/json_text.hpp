#pragma once
// JSON text for cold-path documents built as boost::json values (reports, run lines, the
// shop's prices, admin answers). Boost.JSON 1.81's own serializer writes every double in
// exponent form ("1.2345E1"); this writer keeps Boost.JSON's document model and writes each
// double as a plain decimal instead, with the number of decimals its member asks for.
//
// Numbers: a double with `decimals` >= 0 is rounded from its exact binary value to that many
// digits after the point ("0.01" for 0.005 at 2 decimals, whose double is slightly above
// 0.005; exact ties go to even: 0.125 -> "0.12"), like printf's %.Nf. With json_shortest it
// is the shortest text that reads back as the same double, never with an exponent (1e21 is
// written as 22 digits and ".0", 5e-324 as "0.000...5"). An integral text of 19 digits or
// more ends in ".0" (see append_json_double). A result that is zero carries no sign. NaN
// and infinities are not JSON numbers: they are written as null. Integers (int64, uint64) are
// written as they are. Strings go through append_json_string (invalid UTF-8 becomes U+FFFD).
// Object members keep their insertion order.

#include <boost/json/fwd.hpp>

#include <span>
#include <string>
#include <string_view>

namespace gg {

/// Decimals value for "shortest round-trip, no exponent".
inline constexpr int json_shortest = -1;
/// The most decimals a caller may ask for; larger requests are clamped to it.
inline constexpr int json_max_decimals = 17;

/// How many decimals the doubles of an object member named `key` (at any depth) are written
/// with. An array or object member passes its decimals on to the values it holds, except to
/// members listed under their own key.
struct json_decimals {
  std::string_view key;
  int decimals;
};

/// Appends `v` as a JSON number with `decimals` digits after the point (json_shortest: the
/// shortest round-trip text), or null when `v` is NaN or infinite. 19 or more digits without a
/// point get ".0": readers that parse such a literal as a 64-bit integer (simdjson) refuse
/// one beyond that range otherwise.
void append_json_double(std::string& out, double v, int decimals = json_shortest);

/// Appends `v` as compact JSON text. Doubles are written with the decimals `by_key` gives
/// their member, else with `fallback`. `by_key` is searched linearly: keep it short.
void append_json_value(std::string& out, const boost::json::value& v,
                       std::span<const json_decimals> by_key = {}, int fallback = json_shortest);

/// As append_json_value, into a new string.
std::string json_text(const boost::json::value& v, std::span<const json_decimals> by_key = {},
                      int fallback = json_shortest);

}  // namespace gg
