#include "commands.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <simdjson.h>

#include <boost/version.hpp>

namespace gg::app {

int run_version() {
  fmt::print("gadgetgrove {}\n", GG_VERSION);
  fmt::print("  boost {}.{}.{}, simdjson {}.{}.{}, fmt {}, libpq {}\n", BOOST_VERSION / 100000,
             BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100,
             static_cast<int>(simdjson::SIMDJSON_VERSION_MAJOR),
             static_cast<int>(simdjson::SIMDJSON_VERSION_MINOR),
             static_cast<int>(simdjson::SIMDJSON_VERSION_REVISION), FMT_VERSION, PQlibVersion());
  return 0;
}

}  // namespace gg::app
