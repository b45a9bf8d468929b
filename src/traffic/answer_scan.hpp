#pragma once
// Reads the few members the client needs from the server's JSON answers without a full parse:
// the answers are small, written by our own server, and read at tens of thousands per second.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gg::traffic::detail {

/// The string value of the first `"key":` member at or after `from`, unescaped (\uXXXX
/// escapes are kept as written); nullopt when there is none or its value is not a string.
/// `next`, when given, receives the position just past the value.
std::optional<std::string> json_string_member(std::string_view json, std::string_view key,
                                              std::size_t from = 0, std::size_t* next = nullptr);

/// The text of the first `"key":` number member at or after `from`.
std::optional<std::string_view> json_number_member(std::string_view json, std::string_view key,
                                                   std::size_t from = 0);

}  // namespace gg::traffic::detail
