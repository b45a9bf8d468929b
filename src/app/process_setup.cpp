#include "process_setup.hpp"

#include <gadgetgrove/core/log.hpp>

#include <sys/stat.h>

namespace gg::app {

void configure_logging(const settings& s) {
  log::set_level(s.log_level);
  log::set_format(s.log_format);
}

gg::result<std::filesystem::path> prepare_data_dir(const std::string& dir) {
  std::error_code ec;
  auto path = std::filesystem::absolute(dir, ec);
  if (ec) return fail(errc::config, "--data-dir " + dir + ": " + ec.message());
  path = path.lexically_normal();
  if (!path.empty() && path.filename().empty()) path = path.parent_path();
  if (!std::filesystem::exists(path, ec)) {
    std::filesystem::create_directories(path, ec);
    if (ec)
      return fail(errc::io, "cannot create data directory " + path.string() + ": " + ec.message());
    ::chmod(path.c_str(), 0711);
  } else if (!std::filesystem::is_directory(path, ec)) {
    return fail(errc::config, "--data-dir " + path.string() + " is not a directory");
  }
  return path;
}

}  // namespace gg::app
