#pragma once
// Which content codings a client accepts (RFC 9110 §12.5.3, Accept-Encoding), for the console's
// files that are embedded gzip-compressed as well.

#include <optional>
#include <string_view>

namespace gg::console {

/// True when the Accept-Encoding value `accept_encoding` (nullopt: no such header) admits gzip:
/// a `gzip` (or `x-gzip`) entry with a weight above 0, or else a `*` entry with a weight above
/// 0. Names compare case-insensitively; a weight that is not a valid qvalue (0..1, at most three
/// decimals) makes its entry refuse. No header or an empty one: false (identity is always
/// acceptable and safest). Pure, thread-safe.
bool accepts_gzip(std::optional<std::string_view> accept_encoding) noexcept;

}  // namespace gg::console
