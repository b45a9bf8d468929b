#include "ingest_reply.hpp"

#include <gadgetgrove/core/json_escape.hpp>

#include <string>
#include <string_view>

namespace gg::ingest::detail {
namespace {

void append_uuid(std::string& out, const gg::uuid& id) {
  const std::size_t at = out.size();
  out.resize(at + uuid_text_size);
  id.write(out.data() + at);
}

/// `{"status":"success","queue":"<q>","event_id":"<id>"}`.
void append_success(std::string& out, queue_id q, const gg::uuid& id) {
  out.append(R"({"status":"success","queue":")");
  out.append(to_string(q));
  out.append(R"(","event_id":")");
  append_uuid(out, id);
  out.append("\"}");
}

void append_error(std::string& out, std::string_view reason) {
  out.append(R"({"status":"error","error":)");
  append_json_string(out, reason);
  out.push_back('}');
}

/// What a request's events came to, for choosing the status.
struct tally {
  std::size_t submitted = 0;
  std::size_t durable = 0;
  const gg::error* first_failure = nullptr;
  reject_reason first_reason = reject_reason::none;
};

tally count(std::span<const settled_event> events) {
  tally t;
  for (const settled_event& e : events) {
    if (e.submitted) {
      ++t.submitted;
      if (e.failure) {
        if (t.first_failure == nullptr) t.first_failure = &*e.failure;
      } else {
        ++t.durable;
      }
    } else if (t.first_reason == reject_reason::none) {
      t.first_reason = e.reason;
    }
  }
  return t;
}

http::response single_reply(const settled_event& e, const tally& t, unsigned retry_after) {
  if (t.first_failure != nullptr) {
    return unavailable_response(cause_of(*t.first_failure), retry_after);
  }
  std::string body;
  body.reserve(96);
  append_success(body, e.queue, e.id);
  return http::response::json(200, std::move(body));
}

/// 200 with per-event results when any event is durable; 400 no_valid_events when none passed
/// validation; 503 when every submitted one failed.
http::response batch_reply(std::span<const settled_event> events, const tally& t,
                           unsigned retry_after) {
  std::string body;
  body.reserve(32 + events.size() * 96);
  unsigned status = 200;
  if (t.submitted == 0 && !events.empty()) {
    status = 400;
    body.append(R"({"status":"error","error":"no_valid_events","results":[)");
  } else if (t.submitted > 0 && t.durable == 0) {
    status = 503;
    body.append(R"({"status":"error","error":)");
    append_json_string(body, to_string(cause_of(*t.first_failure)));
    body.append(R"(,"results":[)");
  } else {
    body.append(R"({"status":"success","results":[)");
  }
  bool first = true;
  for (const settled_event& e : events) {
    if (!first) body.push_back(',');
    first = false;
    if (!e.submitted) {
      append_error(body, to_string(e.reason));
    } else if (e.failure) {
      append_error(body, to_string(cause_of(*e.failure)));
    } else {
      append_success(body, e.queue, e.id);
    }
  }
  body.append("]}");
  http::response answer = http::response::json(status, std::move(body));
  if (status == 503) answer.set_header("Retry-After", std::to_string(retry_after));
  return answer;
}

/// A retried Segment batch is resent whole with the same messageIds, which map to the same
/// event ids, so any failure is answered 503 and the duplicates collapse downstream.
http::response segment_reply(std::span<const settled_event> events, const tally& t,
                             unsigned retry_after) {
  if (t.first_failure != nullptr) {
    return unavailable_response(cause_of(*t.first_failure), retry_after);
  }
  if (t.submitted == 0 && !events.empty()) return http::error_json(400, to_string(t.first_reason));
  return http::response::json(200, R"({"success":true})");
}

}  // namespace

http::response unavailable_response(unavailable_cause why, unsigned retry_after_seconds) {
  http::response r = http::error_json(503, to_string(why));
  r.set_header("Retry-After", std::to_string(retry_after_seconds));
  return r;
}

http::response build_reply(reply_kind kind, std::span<const settled_event> events,
                           unsigned retry_after_seconds) {
  const tally t = count(events);
  switch (kind) {
    case reply_kind::api_single:
      return single_reply(events.front(), t, retry_after_seconds);
    case reply_kind::api_batch:
      return batch_reply(events, t, retry_after_seconds);
    case reply_kind::segment:
      return segment_reply(events, t, retry_after_seconds);
  }
  return segment_reply(events, t, retry_after_seconds);
}

}  // namespace gg::ingest::detail
