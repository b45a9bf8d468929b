#pragma once
// dbt's built-in macros, written in our Jinja subset and embedded in the binary: schema, alias
// and database naming and the generic data tests. Private to the project library.

#include <string_view>

namespace gg::transform::detail {

/// The template name errors in built-in macros are reported under.
inline constexpr std::string_view builtin_macros_name = "<dbt built-in macros>";

/// The text of the built-in macro file; registered before the project's macros, so a project
/// macro of the same name replaces one of these.
std::string_view builtin_macros_source() noexcept;

}  // namespace gg::transform::detail
