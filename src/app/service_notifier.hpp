#pragma once
// systemd's notify protocol (Type=notify): READY=1, STOPPING=1, STATUS= and watchdog pings.
// Every call is a no-op when the process was not started by systemd (no NOTIFY_SOCKET).

#include <chrono>
#include <optional>
#include <string_view>

namespace gg::app {

class service_notifier {
 public:
  void ready();
  void stopping();
  void status(std::string_view text);
  void watchdog();
  /// Half the WatchdogSec interval when the unit enables the watchdog for this process.
  static std::optional<std::chrono::milliseconds> watchdog_interval();
};

}  // namespace gg::app
