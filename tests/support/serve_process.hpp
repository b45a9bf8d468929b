#pragma once
// `gadgetgrove serve` as a child process for end-to-end tests: started on 127.0.0.1 port 0,
// its addresses read back from <data-dir>/serve.json once it is ready.

#include "child_process.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gg::test {

struct serve_endpoints {
  unsigned short public_port = 0;  // 0: no public listener (a node without the ingest role)
  unsigned short admin_port = 0;
  std::string database;  // libpq conninfo
  int pid = 0;
};

/// Parses serve.json; nullopt when it is missing or incomplete.
std::optional<serve_endpoints> read_serve_json(const std::filesystem::path& data_dir);

class serve_process {
 public:
  /// Starts serve with `--data-dir data_dir --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0`
  /// plus `extra` arguments (a --listen or --admin-listen there replaces the default one); logs
  /// go next to the data directory.
  serve_process(const std::filesystem::path& data_dir, std::vector<std::string> extra = {},
                const std::map<std::string, std::string>& env = {});

  /// Waits for serve.json of this process; false (with the log in `why`) when the process
  /// exited or the timeout passed first.
  bool wait_ready(std::chrono::milliseconds timeout, std::string* why = nullptr);
  const serve_endpoints& endpoints() const noexcept { return endpoints_; }
  child_process& process() noexcept { return *child_; }
  std::string log() const { return child_->stderr_text(); }

 private:
  std::filesystem::path data_dir_;
  std::unique_ptr<child_process> child_;
  serve_endpoints endpoints_;
};

}  // namespace gg::test
