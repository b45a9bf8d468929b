#include "service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <string>

namespace gg::app {

void service_notifier::ready() { sd_notify(0, "READY=1\nSTATUS=serving"); }
void service_notifier::stopping() { sd_notify(0, "STOPPING=1\nSTATUS=draining"); }
void service_notifier::status(std::string_view text) {
  std::string msg = "STATUS=" + std::string(text);
  sd_notify(0, msg.c_str());
}
void service_notifier::watchdog() { sd_notify(0, "WATCHDOG=1"); }

std::optional<std::chrono::milliseconds> service_notifier::watchdog_interval() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::milliseconds(usec / 2000);
}

}  // namespace gg::app
