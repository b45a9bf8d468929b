#pragma once
// One enrich call's work on the calling thread: one parse of one body, the checks on every
// value, and the line built from the client's members plus ingest's own.

#include "body_errors.hpp"
#include "captured_value.hpp"
#include "enrich_scratch.hpp"
#include "event_key.hpp"

#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/ingest/event_enricher.hpp>

#include <simdjson.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gg::ingest {

namespace od = simdjson::ondemand;

namespace detail {
/// The members ingest looked at in one event object.
struct object_facts {
  detail::captured type, event, queue_name, message_id, timestamp, sent_at, session_id, user_id,
      anonymous_id, write_key;
};
}  // namespace detail

/// Not thread-safe: lives on one thread for one enrich call; `req` must outlive it.
class event_enricher::session {
 public:
  session(const event_enricher& e, const request_info& req, event_source source)
      : e_(e), req_(req), source_(source), s_(detail::scratch()) {}
  /// Copies the body into the padded buffer and runs simdjson's first stage on it.
  reject_reason open(std::string_view body);
  /// The refusal for a top-level value that is not what the route expects: not_json when it
  /// is not even JSON, else `wrong_shape`.
  reject_reason refuse_top_level(od::json_type t, reject_reason wrong_shape);
  reject_reason document_type(od::json_type& t) { return detail::from_error(doc_.type().get(t)); }
  /// After the top-level value: anything but whitespace left over makes the body not JSON.
  /// (On Demand reports OUT_OF_BOUNDS for the location exactly when no token is left.) A
  /// well-formed body is then refused whole if it holds a \u0000 escape, which jsonb cannot
  /// store; checking it last lets syntax and UTF-8 errors be reported as such.
  reject_reason finish_document();
  od::document& doc() noexcept { return doc_; }
  /// Validates every value below `v` (nested `depth` levels below the event object), setting
  /// `end` just past its last token and filling `cap` when given.
  reject_reason validate_value(od::value& v, unsigned depth, const char*& end,
                               detail::captured* cap);
  /// Processes one event object: validates it, copies the client's members into a new line,
  /// appends ingest's keys and routes it. `call` is the Segment call when the route fixed it.
  reject_reason process_object(od::object obj, std::optional<segment_call> call,
                               const std::optional<sys_us>& envelope_sent_at, enriched_event& out);
  const std::string& tail() const noexcept { return s_.tail; }
  /// Counts an accepted event's line against the request's enrichment budget; false once the
  /// lines so far exceed it.
  bool charge(const enriched_event& ev) noexcept;

 private:
  /// The key of `f`; keys with escapes are unescaped (which also validates the escapes).
  reject_reason read_key(od::field& f, std::string_view& key);
  /// The position of the next token; nullptr after the document's last token.
  reject_reason location(const char*& end);
  /// Where the value of a `kind` member is captured: its slot in `facts`, `typed` for a member
  /// whose type alone matters, nullptr when ingest does not look at it.
  detail::captured* capture_slot(detail::object_facts& facts, detail::key_kind kind,
                                 detail::captured& typed) const noexcept;
  /// Keeps the first refusal found in an event whose reading goes on (the rest of the event
  /// must still be validated, so a later syntax error is reported as such).
  void note(reject_reason r) noexcept;
  /// The refusal for one occurrence of a member whose JSON type is wrong: these are the members
  /// the loader maps to typed columns (docs/formats/enriched-event.md, "Client fields ingest
  /// checks"), so an event ingest accepts is never refused by the loader as wrong_type. Each
  /// occurrence is checked: with a duplicate member, the loader reads every copy too.

  /// Whether the client's member stays in place. `type` and `timestamp` are rewritten at the
  /// end; Segment's `event` too (it is set from the call); a write key is a credential and is
  /// never stored.

  /// Appends the member text [begin, end) without the whitespace that follows it; a body with
  /// line breaks has the whitespace inside the member removed too, so the line stays one line.
  void append_member(std::string& line, const char* begin, const char* end);
  /// The request's part of every line: server time, client address, visitor hash, user
  /// agent, bot mark and source.
  void build_tail();
  /// The request's client fields, from the per-thread cache when this client was seen today.

  /// Validates the captured members, then appends the event id, type, timestamps, the tail and
  /// the queue to the line.
  reject_reason finish_event(const detail::object_facts& facts, std::optional<segment_call> call,
                             const std::optional<sys_us>& envelope_sent_at, bool no_members,
                             enriched_event& out);

  const event_enricher& e_;
  const request_info& req_;
  event_source source_;
  detail::thread_scratch& s_;
  od::document doc_;
  std::string_view body_;
  std::size_t body_size_ = 0;
  std::size_t budget_ = 0;
  std::size_t enriched_ = 0;
  bool has_line_break_ = false;
  bool has_escape_ = false;
  reject_reason violation_ = reject_reason::none;  // the current event's first (see note())
};

}  // namespace gg::ingest
