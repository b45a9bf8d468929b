#pragma once
// Helpers for libpq connection strings.

#include <gadgetgrove/core/result.hpp>

#include <string>
#include <string_view>

namespace gg::pg {

/// `conninfo` with every password replaced by "****", in both the URI form
/// (postgresql://u:secret@h/db, ?password=secret) and the key=value form (password=secret,
/// password='a b'). Use it whenever a conninfo is logged or shown.
/// Percent-encoded keys (?pass%77ord=) and spellings libpq refuses (PASSWORD=, a scheme after
/// blanks or in upper case) are masked too, since refused strings end up in error messages.
std::string mask_conninfo(std::string_view conninfo);

/// `text` (an error message, a log line) with `conninfo` replaced by mask_conninfo(conninfo)
/// and each of its passwords (as written and as decoded, if at least 3 bytes) by "****". For
/// libpq's messages, which may echo an unparsable conninfo whole.
std::string mask_conninfo_in(std::string_view text, std::string_view conninfo);

/// Quotes a value for the key=value form: 'a b', with ' and \ escaped by a backslash.
std::string quote_conninfo_value(std::string_view value);

/// `conninfo` (either form) rewritten in key=value form with `key` set to `value`, e.g. to
/// point the same server at another database. errc::invalid_input when libpq cannot parse it.
result<std::string> with_conninfo_option(std::string_view conninfo, std::string_view key,
                                         std::string_view value);

}  // namespace gg::pg
