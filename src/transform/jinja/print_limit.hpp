#pragma once
// The bounds on printing values (str, repr, append_str): one depth bound, one identity set and
// one byte budget per print, shared by every nested print on the thread, so an object whose
// str() prints values (a namespace) continues the print it is part of instead of starting over.

#include <cstddef>
#include <string>
#include <vector>

namespace gg::transform::jinja::detail {

/// Containers nested deeper than this stop a print with a failure (Python raises RecursionError
/// for deep values too); a container that holds itself prints as [...], {...} or (...) instead.
inline constexpr std::size_t max_print_depth = 200;
/// The byte budget of a print outside any print_limit (the renderer's default output limit).
inline constexpr std::size_t default_max_print_bytes = std::size_t{64} << 20;

/// The state of the prints on one thread (thread_print_state()).
struct print_state {
  std::vector<const void*> open;  // the containers being printed, outermost first
  std::size_t limit = default_max_print_bytes;
  std::size_t written = 0;  // bytes the outermost print and the prints inside it hold now
  bool stopped = false;     // the current outermost print stopped early
  std::string failure;      // why a print stopped, kept until take_print_failure()
};

/// This thread's print state; the printing code in value.cpp is its only writer.
print_state& thread_print_state();

/// While it lives, prints on this thread stop with a failure past `max_bytes` (text held by the
/// print and the prints nested in it). Clears a failure left from before; restores the
/// previous limit when destroyed, so a render inside a native function keeps the outer's.
class print_limit {
 public:
  explicit print_limit(std::size_t max_bytes);
  ~print_limit();
  print_limit(const print_limit&) = delete;
  print_limit& operator=(const print_limit&) = delete;

 private:
  std::size_t saved_;
};

/// Whether a print on this thread stopped since the last take_print_failure().
bool print_failed();
/// The message of the print failure (empty if none) and clears it. The printed text is cut
/// short when this is non-empty, so the caller must report an error, not use the text.
std::string take_print_failure();

}  // namespace gg::transform::jinja::detail
