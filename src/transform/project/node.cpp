#include "project/node.hpp"

namespace gg::transform {

std::string_view to_string(node_kind k) noexcept {
  switch (k) {
    case node_kind::model:
      return "model";
    case node_kind::test:
      return "test";
    case node_kind::source:
      return "source";
  }
  return "model";
}

std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string relation_name::render() const {
  if (schema.empty()) return quote_identifier(identifier);
  return quote_identifier(schema) + "." + quote_identifier(identifier);
}

}  // namespace gg::transform
