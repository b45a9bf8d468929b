#pragma once
// Per-flow and per-task run policy (--flow-policy): retries, their delay and backoff, the run
// timeout and how stale a flow may get, overriding the --flow-* defaults for one flow or task.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/flows/flow.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gg::app {

/// One --flow-policy value: "FLOW[.TASK]: key=value ...", keys separated by spaces or commas.
///   retries=N  delay=DURATION  backoff=fixed|exponential  jitter=0..1  max-delay=DURATION
///   timeout=DURATION (0: none)  stale-after=DURATION (0: never stale)
/// timeout and stale-after apply to a whole flow, so they are refused on a task. A task policy
/// retries that task inside a run attempt; unset keys start from the flow's policy.
struct flow_policy {
  std::string flow;
  std::string task;  // empty: the flow itself
  std::optional<unsigned> retries;
  std::optional<std::chrono::milliseconds> delay;
  std::optional<bool> exponential;
  std::optional<double> jitter;
  std::optional<std::chrono::milliseconds> max_delay;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<std::chrono::milliseconds> stale_after;
};

/// Parses one value. Errors (invalid_input) name the key or value at fault and the accepted
/// forms; the same key twice is an error, as is a policy that sets nothing.
gg::result<flow_policy> parse_flow_policy(std::string_view text);

/// Applies `policies` in order to `flows`. A policy naming a flow or task that does not exist
/// is a config error listing the names there are; `optional_flows` are flows that may be
/// absent in this configuration (traffic when it is off), whose policies are ignored then.
gg::status apply_flow_policies(const std::vector<flow_policy>& policies,
                               std::vector<flows::flow_definition>& flows,
                               const std::vector<std::string_view>& optional_flows);

}  // namespace gg::app
