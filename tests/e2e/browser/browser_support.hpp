#pragma once
// What the browser tests share: finding node and the test scripts, and installing the npm
// client (playwright-core) from package-lock.json when it is missing.

#include <filesystem>
#include <string>

namespace gg::test {

/// `name` looked up in PATH (the test support runs programs by path, without a search); empty
/// when it is not there.
std::string find_program(const std::string& name);

/// tests/e2e/browser of the source tree (GG_SOURCE_DIR when set, else the configured one).
std::filesystem::path browser_dir();

/// Runs `npm ci` in browser_dir() when node_modules/playwright-core is missing, logging to
/// `logs`; returns the failure text, empty on success.
std::string install_browser_client(const std::filesystem::path& logs);

}  // namespace gg::test
