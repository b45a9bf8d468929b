#pragma once
// serve.json (docs/formats/serve-json.md): what a running `serve` tells the other commands on
// the same data directory: its bound addresses, its database (password masked), its pid and its
// node id.
// `serve` writes it; `simulate` and the tests read it. Both sides go through this module.

#include <gadgetgrove/core/result.hpp>

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace gg {

struct serve_info {
  std::string public_address;  // "127.0.0.1:8000", port 0 resolved; empty without the ingest role
  std::string admin_address;   // "127.0.0.1:8001"
  std::string database;        // libpq conninfo with the password masked
  pid_t pid = 0;
  std::string node;  // --node-id; empty when read from a file written before nodes were named
};

/// The file name inside the data directory.
inline constexpr std::string_view serve_info_file = "serve.json";

/// The JSON text of `info` (one object, newline-terminated).
std::string format_serve_info(const serve_info& info);

/// Parses serve.json text with a JSON parser. Errors (errc::invalid_input) say which member is
/// missing or has the wrong type; members this version does not know are ignored.
result<serve_info> parse_serve_info(std::string_view text);

/// Writes `<data_dir>/serve.json` atomically (temporary file, fsync, rename), mode 0600: it
/// holds the database conninfo. Blocks on the file system.
status write_serve_info(const std::filesystem::path& data_dir, const serve_info& info);

/// Reads and parses `<data_dir>/serve.json`; errc::not_found when there is none.
result<serve_info> read_serve_info(const std::filesystem::path& data_dir);

/// Removes `<data_dir>/serve.json` if it exists (a stopped serve's addresses are not reachable).
void remove_serve_info(const std::filesystem::path& data_dir);

}  // namespace gg
