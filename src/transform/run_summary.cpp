#include <gadgetgrove/transform/run_summary.hpp>

#include <algorithm>

namespace gg::transform {

std::string_view to_string(run_command c) noexcept {
  switch (c) {
    case run_command::run:
      return "run";
    case run_command::test:
      return "test";
    case run_command::build:
      return "build";
    case run_command::freshness:
      return "freshness";
  }
  return "run";
}

std::string_view to_string(node_status s) noexcept {
  switch (s) {
    case node_status::success:
      return "success";
    case node_status::error:
      return "error";
    case node_status::skipped:
      return "skipped";
    case node_status::warn:
      return "warn";
    case node_status::fail:
      return "fail";
    case node_status::pass:
      return "pass";
    case node_status::cancelled:
      return "cancelled";
  }
  return "error";
}

std::size_t run_summary::count(node_status s) const noexcept {
  return static_cast<std::size_t>(std::count_if(
      results.begin(), results.end(), [s](const node_result& r) { return r.status == s; }));
}

bool run_summary::failed() const noexcept {
  return cancelled || count(node_status::error) > 0 || count(node_status::fail) > 0;
}

}  // namespace gg::transform
