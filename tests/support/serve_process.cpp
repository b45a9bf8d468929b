#include "serve_process.hpp"

#include "temp_dir.hpp"

#include <gadgetgrove/core/host_port.hpp>
#include <gadgetgrove/core/serve_info.hpp>

#include <algorithm>
#include <thread>

namespace gg::test {

std::optional<serve_endpoints> read_serve_json(const std::filesystem::path& data_dir) {
  auto info = read_serve_info(data_dir);
  if (!info) return std::nullopt;
  // A node without the ingest role has no public listener: its public port stays 0.
  unsigned short public_port = 0;
  if (!info->public_address.empty()) {
    auto pub = parse_host_port(info->public_address);
    if (!pub) return std::nullopt;
    public_port = pub->port;
  }
  auto adm = parse_host_port(info->admin_address);
  if (!adm) return std::nullopt;
  return serve_endpoints{public_port, adm->port, info->database, static_cast<int>(info->pid)};
}

serve_process::serve_process(const std::filesystem::path& data_dir, std::vector<std::string> extra,
                             const std::map<std::string, std::string>& env)
    : data_dir_(data_dir) {
  std::vector<std::string> args{"serve", "--data-dir", data_dir.string(), "--log-format", "json"};
  // A listener address given in `extra` replaces the default one (each may be given once).
  for (const char* listen : {"--listen", "--admin-listen"}) {
    if (std::find(extra.begin(), extra.end(), listen) == extra.end()) {
      args.emplace_back(listen);
      args.emplace_back("127.0.0.1:0");
    }
  }
  args.insert(args.end(), extra.begin(), extra.end());
  std::filesystem::create_directories(data_dir.parent_path());
  child_ = std::make_unique<child_process>(binary_path(), args, data_dir.parent_path(), env);
}

bool serve_process::wait_ready(std::chrono::milliseconds timeout, std::string* why) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (auto ep = read_serve_json(data_dir_); ep && ep->pid == child_->pid()) {
      endpoints_ = *ep;
      return true;
    }
    if (!child_->running()) {
      if (why) *why = "serve exited early:\n" + log();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (why) *why = "serve not ready in time:\n" + log();
  return false;
}

}  // namespace gg::test
