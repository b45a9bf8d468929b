#include "flow_policy.hpp"

#include "cli.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace gg::app {
namespace {

constexpr std::string_view accepted_keys =
    "retries, delay, backoff, jitter, max-delay, timeout, stale-after";

bool valid_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

gg::error bad(std::string_view text, const std::string& why) {
  return gg::fail(errc::invalid_input, fmt::format("flow policy '{}': {}", text, why));
}

gg::result<std::chrono::milliseconds> duration_value(std::string_view text, std::string_view key,
                                                     std::string_view value) {
  auto d = parse_duration(value);
  if (!d) {
    return bad(text,
               fmt::format("{}={} is not a duration (examples: 500ms, 10s, 15m, 1h)", key, value));
  }
  return *d;
}

}  // namespace

gg::result<flow_policy> parse_flow_policy(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return bad(text,
               "expected 'FLOW[.TASK]: key=value ...' (keys: " + std::string(accepted_keys) + ")");
  }
  flow_policy p;
  const auto target = trim(text.substr(0, colon));
  const auto dot = target.find('.');
  p.flow = std::string(target.substr(0, dot));
  if (dot != std::string_view::npos) p.task = std::string(target.substr(dot + 1));
  if (!valid_name(p.flow) || (dot != std::string_view::npos && !valid_name(p.task))) {
    return bad(text, fmt::format("'{}' is not a flow or flow.task name ([a-z0-9_-])", target));
  }

  std::vector<std::string_view> seen;
  std::string_view rest = text.substr(colon + 1);
  while (true) {
    const auto start = rest.find_first_not_of(" \t,");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const auto end = rest.find_first_of(" \t,");
    const auto item = rest.substr(0, end);
    rest.remove_prefix(item.size());
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size()) {
      return bad(text, fmt::format("'{}' is not key=value", item));
    }
    const auto key = item.substr(0, eq);
    const auto value = item.substr(eq + 1);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return bad(text, fmt::format("{} is given twice", key));
    }
    seen.push_back(key);
    if (key == "retries") {
      unsigned n = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || ptr != value.data() + value.size() || n > 100) {
        return bad(text, fmt::format("retries={} is not a whole number from 0 to 100", value));
      }
      p.retries = n;
    } else if (key == "delay" || key == "max-delay" || key == "timeout" || key == "stale-after") {
      auto d = duration_value(text, key, value);
      if (!d) return d.error();
      if (key == "delay") p.delay = *d;
      if (key == "max-delay") p.max_delay = *d;
      if (key == "timeout") p.timeout = *d;
      if (key == "stale-after") p.stale_after = *d;
    } else if (key == "backoff") {
      if (value != "fixed" && value != "exponential") {
        return bad(text, fmt::format("backoff={} is neither fixed nor exponential", value));
      }
      p.exponential = value == "exponential";
    } else if (key == "jitter") {
      double j = -1;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), j);
      if (ec != std::errc{} || ptr != value.data() + value.size() || !std::isfinite(j) || j < 0 ||
          j > 1) {
        return bad(text, fmt::format("jitter={} is not a number from 0 to 1", value));
      }
      p.jitter = j;
    } else {
      return bad(text, fmt::format("unknown key '{}' (keys: {})", key, accepted_keys));
    }
  }
  if (seen.empty()) return bad(text, "it sets nothing");
  if (!p.task.empty() && (p.timeout || p.stale_after)) {
    return bad(text, "timeout and stale-after apply to a whole flow, not to a task");
  }
  return p;
}

gg::status apply_flow_policies(const std::vector<flow_policy>& policies,
                               std::vector<flows::flow_definition>& flows,
                               const std::vector<std::string_view>& optional_flows) {
  for (const auto& p : policies) {
    auto f = std::find_if(flows.begin(), flows.end(),
                          [&](const flows::flow_definition& d) { return d.name == p.flow; });
    if (f == flows.end()) {
      if (std::find(optional_flows.begin(), optional_flows.end(), p.flow) != optional_flows.end()) {
        continue;
      }
      std::vector<std::string_view> names;
      for (const auto& d : flows) names.push_back(d.name);
      return gg::fail(errc::config, fmt::format("--flow-policy: no flow '{}' (flows: {})", p.flow,
                                                fmt::join(names, ", ")));
    }
    flows::retry_policy* retry = &f->retry;
    if (!p.task.empty()) {
      auto t = std::find_if(f->tasks.begin(), f->tasks.end(),
                            [&](const flows::task_definition& d) { return d.name == p.task; });
      if (t == f->tasks.end()) {
        std::vector<std::string_view> names;
        for (const auto& d : f->tasks) names.push_back(d.name);
        return gg::fail(errc::config,
                        fmt::format("--flow-policy: flow {} has no task '{}' (tasks: {})", p.flow,
                                    p.task, fmt::join(names, ", ")));
      }
      if (!t->retry) t->retry = f->retry;
      retry = &*t->retry;
    }
    if (p.retries) retry->retries = *p.retries;
    if (p.delay) retry->delay = *p.delay;
    if (p.exponential) retry->exponential = *p.exponential;
    if (p.jitter) retry->jitter = *p.jitter;
    if (p.max_delay) retry->max_delay = *p.max_delay;
    if (p.timeout) f->timeout = *p.timeout;
    if (p.stale_after) f->max_staleness = *p.stale_after;
  }
  return {};
}

}  // namespace gg::app
