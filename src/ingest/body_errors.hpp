#pragma once
// How the JSON parser's verdict on a body becomes a reject reason, and the one check it does
// not make (a \u0000 escape, which jsonb cannot store).

#include <gadgetgrove/ingest/reject_reason.hpp>

#include <simdjson.h>

#include <string_view>

namespace gg::ingest::detail {

/// not_json, invalid_utf8 or too_deep for a parser error; none for SUCCESS.
reject_reason from_error(simdjson::error_code e) noexcept;

/// Whether a refusal leaves the parser in an unknown state, so the rest of a batch cannot be
/// trusted either.
bool is_fatal(reject_reason r) noexcept;

/// A `\u0000` escape (an odd run of backslashes before "u0000") anywhere in the body.
bool has_nul_escape(std::string_view body) noexcept;

}  // namespace gg::ingest::detail
