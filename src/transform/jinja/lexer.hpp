#pragma once
// Splits template text into tokens the way Jinja2's lexer does with the default settings
// ({{ }}, {% %}, {# #}, no line statements, trim_blocks and lstrip_blocks off,
// keep_trailing_newline off), applying whitespace control and {% raw %} while lexing.

#include "ast.hpp"

#include <gadgetgrove/core/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gg::transform::jinja::detail {

enum class token_kind : std::uint8_t {
  data,         // text outside tags (text)
  var_begin,    // {{
  var_end,      // }}
  block_begin,  // {%
  block_end,    // %}
  name,         // text
  string,       // text (escapes decoded)
  integer,      // i
  floating,     // f
  op,           // text: one of + - * / // % ** ~ == != < <= > >= = ( ) [ ] { } , . : | ;
  eof,
};

struct token {
  token_kind kind = token_kind::eof;
  position pos;
  std::string text;
  std::int64_t i = 0;
  double f = 0;
};

/// Tokenises `text`; `name` prefixes error messages ("<name>:<line>:<col>: <message>").
gg::result<std::vector<token>> lex(std::string_view name, std::string_view text);

/// "<name>:<line>:<col>: <message>" as an invalid_input error.
gg::error error_at(std::string_view name, position pos, std::string_view message);

}  // namespace gg::transform::jinja::detail
