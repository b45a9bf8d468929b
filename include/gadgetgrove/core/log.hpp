#pragma once
// Structured logging: one record per line on stderr, JSON by default, a human format when
// stderr is a terminal (or when asked). All functions are thread-safe; a record is written with
// a single write(2) so lines from different threads never interleave.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <gadgetgrove/core/time.hpp>

namespace gg::log {

enum class level : std::uint8_t { trace, debug, info, warn, error, off };
enum class format : std::uint8_t { automatic, json, human };

/// Parses "trace|debug|info|warn|error|off"; false on anything else.
bool parse_level(std::string_view text, level& out) noexcept;
std::string_view to_string(level l) noexcept;

void set_level(level l) noexcept;
level current_level() noexcept;
inline bool enabled(level l) noexcept { return l >= current_level() && l != level::off; }
void set_format(format f) noexcept;

/// Redirects records to `fd` instead of stderr (tests). The descriptor stays owned by the caller.
void set_output_fd(int fd) noexcept;

using value = std::variant<std::int64_t, std::uint64_t, double, bool, std::string_view>;

/// One key/value pair of a record. Keys are plain identifiers; values are escaped on output.
struct field {
  std::string_view key;
  value val;
  field(std::string_view k, std::string_view v) : key(k), val(v) {}
  field(std::string_view k, const std::string& v) : key(k), val(std::string_view{v}) {}
  field(std::string_view k, const char* v) : key(k), val(std::string_view{v}) {}
  field(std::string_view k, bool v) : key(k), val(v) {}
  field(std::string_view k, double v) : key(k), val(v) {}
  template <class I, class = std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>>>
  field(std::string_view k, I v)
      : key(k),
        val(std::is_signed_v<I> ? value{static_cast<std::int64_t>(v)}
                                : value{static_cast<std::uint64_t>(v)}) {}
};

/// Formats one record stamped now, ending in a newline. format::automatic resolves to human
/// when the output descriptor is a terminal, json otherwise. Exposed for tests.
std::string format_record(format f, level l, std::string_view stage, std::string_view message,
                          std::initializer_list<field> fields);

/// Appends one record stamped `time`, ending in a newline, to `out`. The JSON form is
/// {"time","level","stage","msg", then the fields in order}; field keys should not repeat those.
void append_record(std::string& out, format f, level l, sys_us time, std::string_view stage,
                   std::string_view message, std::initializer_list<field> fields);

void write(level l, std::string_view stage, std::string_view message,
           std::initializer_list<field> fields = {});

}  // namespace gg::log

namespace gg {

/// A logger bound to one stage name; cheap to copy, safe to share between threads.
class logger {
 public:
  explicit constexpr logger(std::string_view stage) noexcept : stage_(stage) {}

  void trace(std::string_view m, std::initializer_list<log::field> f = {}) const {
    if (log::enabled(log::level::trace)) log::write(log::level::trace, stage_, m, f);
  }
  void debug(std::string_view m, std::initializer_list<log::field> f = {}) const {
    if (log::enabled(log::level::debug)) log::write(log::level::debug, stage_, m, f);
  }
  void info(std::string_view m, std::initializer_list<log::field> f = {}) const {
    if (log::enabled(log::level::info)) log::write(log::level::info, stage_, m, f);
  }
  void warn(std::string_view m, std::initializer_list<log::field> f = {}) const {
    if (log::enabled(log::level::warn)) log::write(log::level::warn, stage_, m, f);
  }
  void error(std::string_view m, std::initializer_list<log::field> f = {}) const {
    if (log::enabled(log::level::error)) log::write(log::level::error, stage_, m, f);
  }

 private:
  std::string_view stage_;
};

}  // namespace gg
