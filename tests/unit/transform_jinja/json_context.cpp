#include "json_context.hpp"

#include <simdjson.h>

#include <stdexcept>

namespace gg::transform::jinja::test {
namespace {

value convert(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      list items;
      for (simdjson::dom::element child : e.get_array()) items.push_back(convert(child));
      return value(std::move(items));
    }
    case simdjson::dom::element_type::OBJECT: {
      dict d;
      for (auto field : e.get_object()) d.set(std::string(field.key), convert(field.value));
      return value(std::move(d));
    }
    case simdjson::dom::element_type::INT64:
      return value(static_cast<long long>(int64_t(e)));
    case simdjson::dom::element_type::UINT64:
      return value(static_cast<double>(uint64_t(e)));
    case simdjson::dom::element_type::DOUBLE:
      return value(double(e));
    case simdjson::dom::element_type::STRING:
      return value(std::string(std::string_view(e)));
    case simdjson::dom::element_type::BOOL:
      return value(bool(e));
    case simdjson::dom::element_type::NULL_VALUE:
      return value::none();
  }
  return value();
}

}  // namespace

value from_json(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text).get(root) != simdjson::SUCCESS) {
    throw std::runtime_error("invalid JSON");
  }
  return convert(root);
}

context context_from_json(const std::string& text) {
  value v = from_json(text);
  context ctx;
  if (!v.is_dict()) throw std::runtime_error("context JSON must be an object");
  for (const auto& [k, item] : v.as_dict()) ctx.set(k, item);
  return ctx;
}

}  // namespace gg::transform::jinja::test
