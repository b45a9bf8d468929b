#pragma once
// The loaded state behind a project: the environment with every macro, the parsed templates
// and the lookup tables the compiler uses. Private to the project library.

#include "jinja/environment.hpp"
#include "jinja/template.hpp"
#include "project/graph.hpp"
#include "project/node.hpp"
#include "project/project.hpp"

#include <gadgetgrove/core/time.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gg::transform::detail {

/// The templates of one node, parsed once at load.
struct node_templates {
  std::shared_ptr<const jinja::template_> body;  // models and singular tests
  std::vector<std::shared_ptr<const jinja::template_>> pre_hooks;
  std::vector<std::shared_ptr<const jinja::template_>> post_hooks;
  /// Generic tests: each keyword argument whose string is a ref/source call or one `{{ expr }}`,
  /// as the name of a generated global macro returning the expression's value (dbt renders
  /// these natively: `to: ref('x')` is a relation, `values: "{{ var('v') }}"` a list).
  std::vector<std::pair<std::string, std::string>> test_kwarg_macros;
  /// Other arguments holding Jinja, rendered to strings.
  std::vector<std::pair<std::string, std::shared_ptr<const jinja::template_>>> test_kwargs;
};

struct project_state {
  std::string name;
  std::filesystem::path root;
  load_options options;
  sys_us run_started_at{};

  std::vector<node> nodes;                // graph order
  std::vector<node_templates> templates;  // by index into nodes
  std::unordered_map<std::string, std::size_t> by_id;
  std::unordered_map<std::string, std::size_t> model_by_name;
  std::map<std::pair<std::string, std::string>, std::size_t> source_by_name;
  class graph graph;

  std::shared_ptr<jinja::environment> env;
};

}  // namespace gg::transform::detail
