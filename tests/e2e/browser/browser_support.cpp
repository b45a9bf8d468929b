#include "browser_support.hpp"

#include "child_process.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string_view>

namespace gg::test {

namespace fs = std::filesystem;

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const fs::path candidate = fs::path(rest.substr(0, colon)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
  }
  return {};
}

fs::path browser_dir() {
  if (const char* src = std::getenv("GG_SOURCE_DIR")) {
    const fs::path p = fs::path(src) / "tests" / "e2e" / "browser";
    if (fs::exists(p / "package.json")) return p;
  }
  return GG_BROWSER_E2E_DIR;
}

std::string install_browser_client(const fs::path& logs) {
  const fs::path dir = browser_dir();
  if (fs::exists(dir / "node_modules" / "playwright-core")) return {};
  const auto npm =
      run_to_end("/bin/sh", {"-c", "cd '" + dir.string() + "' && npm ci --no-audit --no-fund"},
                 logs, std::chrono::seconds(180));
  return npm.status == 0 ? std::string{} : "npm ci failed:\n" + npm.out + npm.err;
}

}  // namespace gg::test
