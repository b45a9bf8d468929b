#pragma once
// Builds the syntax tree from tokens with Jinja2's grammar and operator precedence.

#include "ast.hpp"
#include "lexer.hpp"

#include <gadgetgrove/core/result.hpp>

#include <memory>
#include <string_view>
#include <vector>

namespace gg::transform::jinja::detail {

/// Parses `text` into a template body; errors are "<name>:<line>:<col>: <message>".
/// Unknown and unsupported tags are errors here, so nothing unparsed reaches a render.
gg::result<std::shared_ptr<template_body>> parse(std::string name, std::string_view text);

}  // namespace gg::transform::jinja::detail
