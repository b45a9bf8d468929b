#pragma once
// What `transform ls`, `transform graph` and `transform compile` print.

#include "project/compiler.hpp"
#include "project/project.hpp"

#include <gadgetgrove/core/result.hpp>

#include <string>
#include <vector>

namespace gg::transform {

enum class ls_format { unique_id, name, path };

/// One line per id (in the given order): its unique id, name or original file path.
std::string ls_output(const project& p, const std::vector<std::string>& ids,
                      ls_format format = ls_format::unique_id);

/// A Graphviz digraph of the given nodes and the edges between them; models are boxes,
/// sources ellipses (green), tests notes.
std::string graph_dot(const project& p, const std::vector<std::string>& ids);

/// Every model and test among `ids` compiled for `state`, each preceded by a
/// `-- <unique_id> (<path>)` line; sources are skipped. The first compile error is returned.
gg::result<std::string> compile_output(const project& p, const std::vector<std::string>& ids,
                                       const compile_state& state = {});

}  // namespace gg::transform
