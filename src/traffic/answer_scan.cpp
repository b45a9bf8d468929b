#include "answer_scan.hpp"

#include <simdjson.h>

#include <string>

namespace gg::traffic::detail {
namespace {

namespace dom = simdjson::dom;

struct reader {
  dom::parser parser;
  std::string padded;  // the body, with SIMDJSON_PADDING bytes of capacity after it
  answer result;
};

/// The string `v`, when it is one.
std::optional<std::string_view> string_of(dom::element v) {
  std::string_view s;
  if (v.get_string().get(s)) return std::nullopt;
  return s;
}

void read_results(dom::array items, answer& a) {
  a.has_results = true;
  for (dom::element item : items) {
    answer_result r;
    dom::object o;
    if (!item.get_object().get(o)) {
      for (const dom::key_value_pair& field : o) {
        if (field.key == "status") {
          r.success = string_of(field.value) == "success";
        } else if (field.key == "event_id") {
          r.event_id = string_of(field.value).value_or(std::string_view{});
        }
      }
    }
    a.results.push_back(r);  // an element that is no object counts as a refused event
  }
}

void read_object(dom::object top, answer& a) {
  for (const dom::key_value_pair& field : top) {
    const std::string_view key = field.key;
    if (key == "status") {
      a.status = string_of(field.value);
    } else if (key == "event_id") {
      a.event_id = string_of(field.value);
    } else if (key == "results") {
      dom::array items;
      if (!field.value.get_array().get(items)) read_results(items, a);
    } else if (key == "error") {
      a.error = string_of(field.value);
    } else if (key == "reason") {
      a.reason = string_of(field.value);
    } else if (key == "session_id") {
      a.session_id = string_of(field.value);
    } else if (key == "order_id") {
      a.order_id = string_of(field.value);
    } else if (key == "total") {
      double total = 0;
      if (!field.value.get_double().get(total)) a.total = total;
    } else if (key == "user") {
      dom::object user;
      if (!field.value.get_object().get(user)) {
        for (const dom::key_value_pair& m : user) {
          if (m.key == "name") a.user_name = string_of(m.value);
          if (m.key == "email") a.user_email = string_of(m.value);
        }
      }
    }
  }
}

/// Clears `a`, keeping the results' storage.
void reset(answer& a) {
  std::vector<answer_result> results = std::move(a.results);
  results.clear();
  a = answer{};
  a.results = std::move(results);
}

}  // namespace

const answer& read_answer(std::string_view body) {
  thread_local reader r;
  reset(r.result);
  if (body.empty()) return r.result;
  r.padded.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  r.padded.assign(body);
  dom::object top;
  if (!r.parser.parse(r.padded.data(), r.padded.size(), false).get_object().get(top)) {
    read_object(top, r.result);
  }
  return r.result;
}

}  // namespace gg::traffic::detail
