#pragma once
// The event id a client's message id stands for.

#include <gadgetgrove/core/uuid.hpp>

#include <optional>
#include <string_view>

namespace gg::ingest {

/// The message id rule: a UUID (any version, either case) is used as the event id as it is; any
/// other string of 1 to 128 characters from [A-Za-z0-9._:-] becomes a version 8 UUID whose 122
/// free bits are the XXH3-128 hash of the string, so a retried message keeps its id; anything
/// else is nullopt (the event is refused with invalid_message_id).
std::optional<gg::uuid> event_id_from_message_id(std::string_view message_id) noexcept;

}  // namespace gg::ingest
