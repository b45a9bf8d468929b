#pragma once
// --node-id: the name a node goes by in the flows' run history and the metrics, so that several
// nodes sharing one warehouse never write under the same name (docs/SCALING.md).

#include <gadgetgrove/core/result.hpp>

#include <string>
#include <string_view>

namespace gg::app {

/// The longest node id; a DNS label's limit, so a host name fits.
inline constexpr std::size_t node_id_max_length = 63;

/// Checks a node id: 1 to node_id_max_length characters of A-Z, a-z, 0-9, '.', '_' and '-',
/// starting with a letter or a digit (so it is safe in file names, SQL text columns and metric
/// labels). Errors: invalid_input saying what is wrong.
gg::status check_node_id(std::string_view id);

/// This machine's host name (gethostname(2)), the default node id; "localhost" when it has none.
std::string host_name();

}  // namespace gg::app
