#pragma once
// The JSON body a server-made event takes through the same validation as a browser's.

#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/ingest/ingest_service.hpp>

#include <string>

namespace gg::ingest::detail {

/// `ev` as an /api/analytics body stamped with `timestamp`.
std::string server_event_body(const server_event& ev, sys_us timestamp);

}  // namespace gg::ingest::detail
