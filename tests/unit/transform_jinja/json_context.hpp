#pragma once
// Test helper: JSON text (simdjson DOM) to template values, for contexts and reference output.

#include "jinja/environment.hpp"
#include "jinja/value.hpp"

#include <string>

namespace gg::transform::jinja::test {

/// The value of JSON text; objects become dicts in document order. Throws on invalid JSON
/// (test code only).
value from_json(const std::string& text);

/// A context holding every member of a JSON object.
context context_from_json(const std::string& text);

}  // namespace gg::transform::jinja::test
