#include "process_setup.hpp"

#include <gadgetgrove/core/log.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gg::app {

void configure_logging(const settings& s) {
  log::set_level(s.log_level);
  log::set_format(s.log_format);
}

namespace {

const gg::logger log{"app"};

// The data directory's subtrees that hold events; the embedded cluster's is left to it.
constexpr const char* private_subtrees[] = {"log", "archive", "quarantine"};

void tighten(const std::filesystem::path& p, unsigned wanted, mode_report& report) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return;  // gone meanwhile: nothing to protect
  const unsigned mode = st.st_mode & 07777;
  const unsigned target = S_ISDIR(st.st_mode) ? wanted : (mode & 0600);
  if (mode == target || (!S_ISDIR(st.st_mode) && (mode & 077) == 0)) return;
  if (::chmod(p.c_str(), target) == 0) {
    if (report.fixed++ == 0) report.first_fixed = p.string();
  } else if (report.failed++ == 0) {
    report.first_failed = p.string() + ": " + std::strerror(errno);
  }
}

}  // namespace

unsigned data_dir_mode() noexcept { return ::geteuid() == 0 ? 0711 : 0700; }

mode_report tighten_data_dir_modes(const std::filesystem::path& data_dir) {
  namespace fs = std::filesystem;
  mode_report report;
  tighten(data_dir, data_dir_mode(), report);
  for (const char* sub : private_subtrees) {
    const fs::path root = data_dir / sub;
    std::error_code ec;
    if (!fs::is_directory(fs::symlink_status(root, ec))) continue;
    tighten(root, 0700, report);
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      const auto type = it->symlink_status(ec).type();
      if (type == fs::file_type::directory) {
        tighten(it->path(), 0700, report);
      } else if (type == fs::file_type::regular) {
        tighten(it->path(), 0600, report);
      }
    }
  }
  return report;
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
  } else if (!std::filesystem::is_directory(path, ec)) {
    return fail(errc::config, "--data-dir " + path.string() + " is not a directory");
  }
  const mode_report modes = tighten_data_dir_modes(path);
  if (modes.fixed > 0) {
    log.warn("fixed file modes in the data directory: group and other access removed",
             {{"data_dir", path.string()}, {"fixed", modes.fixed}, {"example", modes.first_fixed}});
  }
  if (modes.failed > 0) {
    log.error(
        "cannot fix file modes in the data directory: others may read events",
        {{"data_dir", path.string()}, {"failed", modes.failed}, {"example", modes.first_failed}});
  }
  return path;
}

}  // namespace gg::app
