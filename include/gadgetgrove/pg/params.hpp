#pragma once
// Conversion of C++ values to PostgreSQL text-format query parameters. Values are always sent
// out of band (PQexecParams), never spliced into SQL text.

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

namespace gg::pg {

/// One parameter in PostgreSQL's text format; std::nullopt is SQL NULL.
using param_value = std::optional<std::string_view>;

namespace detail {

// Holds the longest shortest-round-trip form of any integer or floating-point type.
inline constexpr std::size_t param_buffer_size = 48;
using param_buffer = std::array<char, param_buffer_size>;

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
constexpr bool is_char_type_v =
    std::is_same_v<T, char> || std::is_same_v<T, signed char> || std::is_same_v<T, unsigned char> ||
    std::is_same_v<T, wchar_t> || std::is_same_v<T, char8_t> || std::is_same_v<T, char16_t> ||
    std::is_same_v<T, char32_t>;

template <class T>
constexpr bool is_text_param() {
  using U = std::remove_cvref_t<T>;
  if constexpr (is_optional<U>::value) {
    return is_text_param<typename U::value_type>();
  } else {
    // A lone character would silently become its code point; callers pass a string instead.
    return std::is_same_v<U, std::nullptr_t> || std::is_same_v<U, std::nullopt_t> ||
           (std::is_arithmetic_v<U> && !is_char_type_v<U>) ||
           std::is_convertible_v<const U&, std::string_view>;
  }
}

}  // namespace detail

/// Types accepted as query parameters: integers, floating point, bool, anything convertible to
/// std::string_view, nullptr / std::nullopt (NULL), and std::optional of those.
template <class T>
concept text_param = detail::is_text_param<T>();

namespace detail {

template <class T>
param_value encode_param(const T& v, param_buffer& buf) noexcept {
  using U = std::remove_cvref_t<T>;
  if constexpr (is_optional<U>::value) {
    return v ? encode_param(*v, buf) : param_value{};
  } else if constexpr (std::is_same_v<U, std::nullptr_t> || std::is_same_v<U, std::nullopt_t>) {
    return {};
  } else if constexpr (std::is_same_v<U, bool>) {
    return std::string_view{v ? "true" : "false"};
  } else if constexpr (std::is_integral_v<U>) {
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
  } else if constexpr (std::is_floating_point_v<U>) {
    // PostgreSQL spells the special values this way; to_chars would write "nan"/"inf".
    if (std::isnan(v)) return std::string_view{"NaN"};
    if (std::isinf(v)) return std::string_view{v > 0 ? "Infinity" : "-Infinity"};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
  } else if constexpr (std::is_pointer_v<U>) {
    return v == nullptr ? param_value{} : param_value{std::string_view{v}};
  } else {
    return std::string_view{v};
  }
}

}  // namespace detail

/// The text parameters of one statement, converted on construction. Numbers are formatted into
/// the object itself; strings are viewed, so the arguments must outlive it. Not copyable or
/// movable (values() points into it). Not thread-safe; meant to live on the caller's stack.
template <std::size_t N>
class param_list {
 public:
  template <class... Args>
  requires(sizeof...(Args) == N &&
           (text_param<Args> && ...)) explicit param_list(const Args&... args) noexcept {
    [[maybe_unused]] std::size_t i = 0;
    ((values_[i] = detail::encode_param(args, buffers_[i]), ++i), ...);
  }
  param_list(const param_list&) = delete;
  param_list& operator=(const param_list&) = delete;

  std::span<const param_value> values() const noexcept { return values_; }

 private:
  std::array<detail::param_buffer, N> buffers_;
  std::array<param_value, N> values_{};
};

template <class... Args>
param_list(const Args&...) -> param_list<sizeof...(Args)>;

}  // namespace gg::pg
