#pragma once
// The outcome of a whole transformation run.

#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/transform/node_result.hpp>
#include <gadgetgrove/transform/run_options.hpp>

#include <chrono>
#include <cstddef>
#include <vector>

namespace gg::transform {

/// Every node result of one run in completion order, with the run's identity and timing.
struct run_summary {
  uuid run_id;  // UUIDv7; the key of this run in pipeline.model_runs and friends
  run_command command = run_command::run;
  sys_us started{};
  std::chrono::microseconds elapsed{0};
  bool cancelled = false;
  std::vector<node_result> results;

  std::size_t count(node_status s) const noexcept;
  /// True when any node errored or failed (warnings do not count), or the run was cancelled.
  bool failed() const noexcept;
  /// The CLI's exit status: 0 success, 1 when failed().
  int exit_code() const noexcept { return failed() ? 1 : 0; }
};

}  // namespace gg::transform
