#pragma once
// The interface every pipeline stage implements so the scheduler can start it in dependency
// order, stop it in reverse, and report its health on /readyz.

#include <gadgetgrove/core/result.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace gg {

enum class health_state { starting, up, degraded, down, stopped };
std::string_view to_string(health_state s) noexcept;

struct health {
  health_state state = health_state::starting;
  std::string detail;  // why it is not up; empty when up
  bool ready() const noexcept { return state == health_state::up; }
};

using deadline = std::chrono::steady_clock::time_point;

/// A pipeline stage. The scheduler calls start() once, then request_stop() and drain() once
/// each, all from one control thread; health() may be called from any thread at any time.
class stage {
 public:
  virtual ~stage() = default;

  /// A stable, short name ("pg", "eventlog"); used in logs, metrics and /readyz.
  virtual std::string_view name() const noexcept = 0;
  /// Names of stages that must be started before this one.
  virtual std::vector<std::string> depends_on() const { return {}; }

  /// Starts the stage's work (posting it to the scheduler or its own threads); must not block
  /// for long. An error stops start-up.
  virtual status start() = 0;
  /// Asks the stage to stop taking new work. Idempotent; must not block.
  virtual void request_stop() = 0;
  /// Blocks until in-flight work is finished or `until` passes; an error says what was left.
  virtual status drain(deadline until) = 0;
  virtual gg::health health() const = 0;
};

}  // namespace gg
