#pragma once
// When a failed run or task is tried again: sched::retry_delay with jitter drawn from one seeded
// generator, so a test that fixes the seed fixes every wait.

#include <gadgetgrove/core/prng.hpp>
#include <gadgetgrove/flows/flow.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace gg::flows::detail {

/// Plans retries for an engine. Thread-safe (one mutex around the generator).
class retry_plan {
 public:
  explicit retry_plan(std::uint64_t seed) noexcept : prng_(seed) {}

  /// The wait before retrying after attempt `failed_attempt` (1 for the first) failed; empty
  /// when the policy has no retries left.
  std::optional<std::chrono::milliseconds> delay_after(const retry_policy& p,
                                                       unsigned failed_attempt);

 private:
  std::mutex mutex_;
  gg::prng prng_;
};

}  // namespace gg::flows::detail
