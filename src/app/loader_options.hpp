#pragma once
// The loader's options from the command line.

#include "settings.hpp"

#include <gadgetgrove/loader/loader.hpp>

#include <string>

namespace gg::app {

/// The loader options for `settings` and a database conninfo (empty when a
/// loader::loader_stage fills it in at start).
loader::loader_options loader_options_for(const settings& s, std::string conninfo = {});

}  // namespace gg::app
