#pragma once
// --role: which parts of the pipeline one `serve` process runs. `all` (the default) is the
// single-process deployment; a scaled-out deployment runs several processes, each with some of
// ingest, loader and web, against one warehouse (docs/SCALING.md).

#include <gadgetgrove/core/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace gg::app {

/// One part of the pipeline a node can run.
enum class node_role : std::uint8_t {
  ingest = 1,  // the public listener (shop and ingest), the event log, synthetic traffic
  loader = 2,  // the loader and the load flow
  web = 4,     // the dashboard, the pipeline page and API, the transform and cleanup flows
};

std::string_view to_string(node_role r) noexcept;

/// A non-empty set of roles; a plain value, safe to copy between threads.
class node_roles {
 public:
  /// Every role: the single-process deployment.
  static node_roles all() noexcept { return node_roles(7); }

  /// Parses "all" or a comma-separated list of ingest, loader and web ("ingest,web"); spaces
  /// around names are ignored and a repeated name counts once. Errors: invalid_input naming
  /// the unknown or empty entry.
  static gg::result<node_roles> parse(std::string_view text);

  bool has(node_role r) const noexcept { return (bits_ & static_cast<std::uint8_t>(r)) != 0; }
  bool is_all() const noexcept { return bits_ == 7; }

  /// "all", or the roles in the order ingest, loader, web joined by commas.
  std::string to_string() const;

  friend bool operator==(node_roles, node_roles) = default;

 private:
  explicit node_roles(std::uint8_t bits) noexcept : bits_(bits) {}
  std::uint8_t bits_;
};

}  // namespace gg::app
