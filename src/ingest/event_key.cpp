#include "event_key.hpp"

namespace gg::ingest::detail {

key_kind classify_key(std::string_view k) noexcept {
  switch (k.size()) {
    case 3:
      if (k == "url") return key_kind::url;
      break;
    case 4:
      if (k == "type") return key_kind::type;
      if (k == "path") return key_kind::path;
      break;
    case 5:
      if (k == "event") return key_kind::event;
      break;
    case 6:
      if (k == "userId") return key_kind::user_id;
      if (k == "sentAt") return key_kind::sent_at;
      if (k == "_queue") return key_kind::owned;
      if (k == "traits") return key_kind::traits;
      break;
    case 7:
      if (k == "_source") return key_kind::owned;
      break;
    case 8:
      if (k == "event_id") return key_kind::owned;
      if (k == "writeKey") return key_kind::write_key;
      break;
    case 9:
      if (k == "timestamp") return key_kind::timestamp;
      if (k == "sessionId") return key_kind::session_id;
      if (k == "messageId") return key_kind::message_id;
      if (k == "queueName") return key_kind::queue_name;
      if (k == "client_ip") return key_kind::owned;
      if (k == "_checksum") return key_kind::owned;
      break;
    case 10:
      if (k == "user_agent") return key_kind::owned;
      if (k == "properties") return key_kind::properties;
      break;
    case 11:
      if (k == "anonymousId") return key_kind::anonymous_id;
      break;
    case 12:
      if (k == "visitor_hash") return key_kind::owned;
      break;
    case 13:
      if (k == "_processed_at") return key_kind::owned;
      break;
    case 16:
      if (k == "server_timestamp") return key_kind::owned;
      break;
    case 18:
      if (k == "original_timestamp") return key_kind::owned;
      break;
    default:
      break;
  }
  if (k == "_bot") return key_kind::owned;
  return key_kind::other;
}

reject_reason type_violation(key_kind kind, const captured& c, bool segment) noexcept {
  switch (kind) {
    case key_kind::session_id:
      return c.is_other() ? reject_reason::invalid_session_id : reject_reason::none;
    case key_kind::user_id:
      return c.is_other() ? reject_reason::invalid_user_id : reject_reason::none;
    case key_kind::anonymous_id:
      return c.is_other() ? reject_reason::invalid_anonymous_id : reject_reason::none;
    case key_kind::event:
      return !segment && c.is_other() ? reject_reason::invalid_event : reject_reason::none;
    case key_kind::url:
      return c.is_other() ? reject_reason::invalid_url : reject_reason::none;
    case key_kind::path:
      return c.is_other() ? reject_reason::invalid_path : reject_reason::none;
    case key_kind::properties:
      return c.is_not_object() ? reject_reason::invalid_properties : reject_reason::none;
    case key_kind::traits:
      return c.is_not_object() ? reject_reason::invalid_traits : reject_reason::none;
    default:
      return reject_reason::none;
  }
}

bool is_copied(key_kind kind, bool segment) noexcept {
  switch (kind) {
    case key_kind::type:
    case key_kind::timestamp:
    case key_kind::write_key:
    case key_kind::owned:
      return false;
    case key_kind::event:
      return !segment;
    default:
      return true;
  }
}

}  // namespace gg::ingest::detail
