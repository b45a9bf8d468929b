#pragma once
// The top-level keys of an event that ingest reads, checks or owns
// (docs/formats/enriched-event.md), recognised by one switch on the key's length.

#include "captured_value.hpp"

#include <gadgetgrove/ingest/reject_reason.hpp>

#include <cstdint>
#include <string_view>

namespace gg::ingest::detail {

/// Keys ingest reads or owns. Everything else is the client's and is copied as it came.
enum class key_kind : std::uint8_t {
  other,
  type,
  event,
  queue_name,
  message_id,
  timestamp,
  sent_at,
  session_id,
  user_id,
  anonymous_id,
  write_key,
  // Copied as they came, but the loader maps them to typed columns: their JSON type is checked.
  url,
  path,
  properties,
  traits,
  owned,  // a key ingest adds; the client's value is dropped
};

/// The kind of the member named `k` (unescaped).
key_kind classify_key(std::string_view k) noexcept;

/// The refusal for one occurrence of a member whose JSON type is wrong: these are the members
/// the loader maps to typed columns (docs/formats/enriched-event.md, "Client fields ingest
/// checks"), so an event ingest accepts is never refused by the loader as wrong_type. Each
/// occurrence is checked: with a duplicate member, the loader reads every copy too. `segment`:
/// the event is a Segment call, whose `event` is not copied (the call names the event).
reject_reason type_violation(key_kind kind, const captured& c, bool segment) noexcept;

/// Whether the client's member stays in place. `type` and `timestamp` are rewritten at the
/// end; a Segment call's `event` too (it is set from the call); a write key is a credential
/// and is never stored.
bool is_copied(key_kind kind, bool segment) noexcept;

}  // namespace gg::ingest::detail
