#include <gadgetgrove/ingest/event_enricher.hpp>

#include "body_errors.hpp"
#include "enrich_session.hpp"

#include <atomic>
#include <cstdint>

namespace gg::ingest {

using detail::from_error;
using detail::is_fatal;

std::string_view to_string(event_source s) noexcept {
  switch (s) {
    case event_source::api:
      return "api";
    case event_source::segment:
      return "segment";
    case event_source::server:
      return "server";
  }
  return "api";
}

namespace {
std::atomic<std::uint64_t> next_enricher_id{1};
}  // namespace

event_enricher::event_enricher(const ingest_config& config)
    : config_(config),
      visitor_hash_(config.visitor_hash_key),
      id_(next_enricher_id.fetch_add(1, std::memory_order_relaxed)) {
  if (config_.max_depth < 2) config_.max_depth = 2;
}

reject_reason event_enricher::enrich_one(event_source source, std::string_view body,
                                         const request_info& req, enriched_event& out) const {
  session s{*this, req, source};
  if (auto r = s.open(body); r != reject_reason::none) return r;
  od::json_type t{};
  if (auto r = s.document_type(t); r != reject_reason::none) return r;
  if (t != od::json_type::object) return s.refuse_top_level(t, reject_reason::not_object);
  od::object obj;
  if (auto err = s.doc().get_object().get(obj)) return from_error(err);
  if (auto r = s.process_object(obj, std::nullopt, std::nullopt, out); r != reject_reason::none) {
    return r;
  }
  if (!s.charge(out)) return reject_reason::enriched_too_large;
  return s.finish_document();
}

reject_reason event_enricher::enrich_batch(std::string_view body, const request_info& req,
                                           std::vector<batch_item>& out) const {
  out.clear();
  session s{*this, req, event_source::api};
  if (auto r = s.open(body); r != reject_reason::none) return r;
  od::json_type t{};
  if (auto r = s.document_type(t); r != reject_reason::none) return r;
  if (t != od::json_type::array) return s.refuse_top_level(t, reject_reason::not_array);
  od::array arr;
  if (auto err = s.doc().get_array().get(arr)) return from_error(err);
  for (auto element_result : arr) {
    od::value element;
    if (auto err = std::move(element_result).get(element)) return from_error(err);
    if (out.size() == config_.max_batch_events) return reject_reason::too_many_events;
    batch_item& item = out.emplace_back();
    od::json_type et{};
    if (auto err = element.type().get(et)) return from_error(err);
    if (et != od::json_type::object) {
      const char* end = nullptr;
      if (auto r = s.validate_value(element, 0, end, nullptr); r != reject_reason::none) return r;
      item.reason = reject_reason::not_object;
      continue;
    }
    od::object obj;
    if (auto err = element.get_object().get(obj)) return from_error(err);
    item.reason = s.process_object(obj, std::nullopt, std::nullopt, item.event);
    if (is_fatal(item.reason)) return item.reason;
    if (item.reason == reject_reason::none && !s.charge(item.event)) {
      return reject_reason::enriched_too_large;
    }
  }
  return s.finish_document();
}

reject_reason event_enricher::enrich_segment(segment_call call, std::string_view body,
                                             const request_info& req, enriched_event& out) const {
  session s{*this, req, event_source::segment};
  if (auto r = s.open(body); r != reject_reason::none) return r;
  od::json_type t{};
  if (auto r = s.document_type(t); r != reject_reason::none) return r;
  if (t != od::json_type::object) return s.refuse_top_level(t, reject_reason::not_object);
  od::object obj;
  if (auto err = s.doc().get_object().get(obj)) return from_error(err);

  // The body's writeKey is only known once the object has been read, so the message is
  // processed first and refused afterwards if the key is wrong.
  std::string_view body_key;
  if (!config_.write_key.empty()) {
    od::value key_value;
    if (obj.find_field_unordered("writeKey").get(key_value) == simdjson::SUCCESS) {
      if (key_value.get_string().get(body_key) != simdjson::SUCCESS) body_key = {};
    }
    if (!authorized(req.authorization, body_key)) return reject_reason::unauthorized;
    s.doc().rewind();
    if (auto err = s.doc().get_object().get(obj)) return from_error(err);
  }
  if (auto r = s.process_object(obj, call, std::nullopt, out); r != reject_reason::none) return r;
  if (!s.charge(out)) return reject_reason::enriched_too_large;
  return s.finish_document();
}

reject_reason event_enricher::enrich_segment_batch(std::string_view body, const request_info& req,
                                                   std::vector<batch_item>& out) const {
  out.clear();
  session s{*this, req, event_source::segment};
  if (auto r = s.open(body); r != reject_reason::none) return r;
  od::json_type t{};
  if (auto r = s.document_type(t); r != reject_reason::none) return r;
  if (t != od::json_type::object) return s.refuse_top_level(t, reject_reason::not_object);

  // First pass: the envelope's sentAt and writeKey, which may come after the batch.
  std::optional<sys_us> sent_at;
  std::string_view body_key;
  {
    od::object envelope;
    if (auto err = s.doc().get_object().get(envelope)) return from_error(err);
    for (auto field_result : envelope) {
      od::field f;
      if (auto err = std::move(field_result).get(f)) return from_error(err);
      if (f.key() == "sentAt") {
        od::json_type vt{};
        if (auto err = f.value().type().get(vt)) return from_error(err);
        if (vt == od::json_type::null) continue;
        std::string_view text;
        if (f.value().get_string().get(text) != simdjson::SUCCESS) {
          return reject_reason::invalid_sent_at;
        }
        sent_at = parse_iso8601(text);
        if (!sent_at) return reject_reason::invalid_sent_at;
      } else if (f.key() == "writeKey") {
        if (f.value().get_string().get(body_key) != simdjson::SUCCESS) body_key = {};
      }
    }
  }
  if (!authorized(req.authorization, body_key)) return reject_reason::unauthorized;

  s.doc().rewind();
  od::object envelope;
  if (auto err = s.doc().get_object().get(envelope)) return from_error(err);
  bool saw_batch = false;
  for (auto field_result : envelope) {
    od::field f;
    if (auto err = std::move(field_result).get(f)) return from_error(err);
    if (f.key() != "batch") {
      const char* end = nullptr;
      if (auto r = s.validate_value(f.value(), 0, end, nullptr); r != reject_reason::none) {
        return r;
      }
      continue;
    }
    saw_batch = true;
    od::json_type bt{};
    if (auto err = f.value().type().get(bt)) return from_error(err);
    if (bt != od::json_type::array) return reject_reason::not_array;
    od::array arr;
    if (auto err = f.value().get_array().get(arr)) return from_error(err);
    for (auto element_result : arr) {
      od::value element;
      if (auto err = std::move(element_result).get(element)) return from_error(err);
      if (out.size() == config_.max_batch_events) return reject_reason::too_many_events;
      batch_item& item = out.emplace_back();
      od::json_type et{};
      if (auto err = element.type().get(et)) return from_error(err);
      if (et != od::json_type::object) {
        const char* end = nullptr;
        if (auto r = s.validate_value(element, 0, end, nullptr); r != reject_reason::none) {
          return r;
        }
        item.reason = reject_reason::not_object;
        continue;
      }
      od::object obj;
      if (auto err = element.get_object().get(obj)) return from_error(err);
      item.reason = s.process_object(obj, std::nullopt, sent_at, item.event);
      if (is_fatal(item.reason)) return item.reason;
      if (item.reason == reject_reason::none && !s.charge(item.event)) {
        return reject_reason::enriched_too_large;
      }
    }
  }
  if (!saw_batch) return reject_reason::not_array;
  return s.finish_document();
}

}  // namespace gg::ingest
