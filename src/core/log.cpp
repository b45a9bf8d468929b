#include <gadgetgrove/core/log.hpp>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>

#include <gadgetgrove/core/json_escape.hpp>

#include <gadgetgrove/core/utf8.hpp>

namespace gg::log {
namespace {

std::atomic<level> current{level::info};
std::atomic<format> requested{format::automatic};
std::atomic<int> output_fd{STDERR_FILENO};
// format::automatic resolved against output_fd: 0 = not yet looked at, else 1 + format.
std::atomic<std::uint8_t> resolved{0};

format resolve(format f) noexcept {
  if (f != format::automatic) return f;
  std::uint8_t r = resolved.load(std::memory_order_relaxed);
  if (r == 0) {
    const format found =
        ::isatty(output_fd.load(std::memory_order_relaxed)) == 1 ? format::human : format::json;
    r = static_cast<std::uint8_t>(1 + static_cast<std::uint8_t>(found));
    resolved.store(r, std::memory_order_relaxed);
  }
  return static_cast<format>(r - 1);
}

std::string_view upper_name(level l) noexcept {
  switch (l) {
    case level::trace:
      return "TRACE";
    case level::debug:
      return "DEBUG";
    case level::info:
      return "INFO ";
    case level::warn:
      return "WARN ";
    case level::error:
      return "ERROR";
    case level::off:
      return "OFF  ";
  }
  return "?    ";
}

template <class T>
void append_number(std::string& out, T v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

/// A double as JSON: finite values as numbers, NaN and infinities as strings (JSON has no
/// literal for them).
void append_json_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("\"NaN\"");
  } else if (std::isinf(v)) {
    out.append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    append_number(out, v);
  }
}

/// Text for a terminal: valid UTF-8 kept, control characters escaped so a record stays on one
/// line, invalid bytes replaced by U+FFFD.
void append_human_text(std::string& out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
      ++p;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      constexpr char hex[] = "0123456789abcdef";
      switch (c) {
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default: {
          const char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 0xF]};
          out.append(esc, sizeof esc);
        }
      }
      ++p;
      continue;
    }
    const utf8_step step = utf8_next(p, end);
    if (step.valid) {
      out.append(reinterpret_cast<const char*>(p), step.length);
    } else {
      out.append("\xEF\xBF\xBD");
    }
    p += step.length;
  }
}

bool needs_quotes(std::string_view s) noexcept {
  if (s.empty()) return true;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

void append_json_field(std::string& out, const field& f) {
  out.push_back(',');
  append_json_string(out, f.key);
  out.push_back(':');
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          append_json_string(out, v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out.append(v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, double>) {
          append_json_double(out, v);
        } else {
          append_number(out, v);
        }
      },
      f.val);
}

void append_human_field(std::string& out, const field& f) {
  out.push_back(' ');
  append_human_text(out, f.key);
  out.push_back('=');
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          if (needs_quotes(v)) {
            append_json_string(out, v);
          } else {
            out.append(v);
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out.append(v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isnan(v)) {
            out.append("NaN");
          } else if (std::isinf(v)) {
            out.append(v > 0 ? "+Inf" : "-Inf");
          } else {
            append_number(out, v);
          }
        } else {
          append_number(out, v);
        }
      },
      f.val);
}

}  // namespace

bool parse_level(std::string_view text, level& out) noexcept {
  constexpr level all[] = {level::trace, level::debug, level::info,
                           level::warn,  level::error, level::off};
  for (const level l : all) {
    if (text == to_string(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

std::string_view to_string(level l) noexcept {
  switch (l) {
    case level::trace:
      return "trace";
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warn:
      return "warn";
    case level::error:
      return "error";
    case level::off:
      return "off";
  }
  return "unknown";
}

void set_level(level l) noexcept { current.store(l, std::memory_order_relaxed); }

level current_level() noexcept { return current.load(std::memory_order_relaxed); }

void set_format(format f) noexcept {
  requested.store(f, std::memory_order_relaxed);
  resolved.store(0, std::memory_order_relaxed);
}

void set_output_fd(int fd) noexcept {
  output_fd.store(fd, std::memory_order_relaxed);
  resolved.store(0, std::memory_order_relaxed);
}

void append_record(std::string& out, format f, level l, sys_us time, std::string_view stage,
                   std::string_view message, std::initializer_list<field> fields) {
  if (resolve(f) == format::human) {
    char stamp[iso8601_ms_size];
    format_iso8601_ms(time, stamp);
    // "HH:MM:SS.mmm" is the part after the 'T' and before the 'Z'.
    out.append(stamp + 11, 12);
    out.push_back(' ');
    out.append(upper_name(l));
    out.push_back(' ');
    append_human_text(out, stage);
    out.append("  ");
    append_human_text(out, message);
    for (const field& fl : fields) append_human_field(out, fl);
    out.push_back('\n');
    return;
  }
  out.append("{\"time\":\"");
  char stamp[iso8601_ms_size];
  format_iso8601_ms(time, stamp);
  out.append(stamp, sizeof stamp);
  out.append("\",\"level\":\"");
  out.append(to_string(l));
  out.append("\",\"stage\":");
  append_json_string(out, stage);
  out.append(",\"msg\":");
  append_json_string(out, message);
  for (const field& fl : fields) append_json_field(out, fl);
  out.append("}\n");
}

std::string format_record(format f, level l, std::string_view stage, std::string_view message,
                          std::initializer_list<field> fields) {
  std::string out;
  append_record(out, f, l, now_us(), stage, message, fields);
  return out;
}

namespace {

// A trivially destructible flag outlives the thread's other thread_local objects, so a record
// written during exit (a static destructor logging) can tell that the buffer is gone.
thread_local bool record_buffer_gone = false;

struct record_buffer {
  std::string text;
  ~record_buffer() { record_buffer_gone = true; }
};

void write_all(const std::string& text) {
  const int fd = output_fd.load(std::memory_order_relaxed);
  const char* p = text.data();
  std::size_t left = text.size();
  // One write(2) per record; the loop only continues after a signal or a short write to a
  // full pipe, where nothing better than finishing the record is possible.
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

void write(level l, std::string_view stage, std::string_view message,
           std::initializer_list<field> fields) {
  if (!enabled(l)) return;
  const format f = requested.load(std::memory_order_relaxed);
  if (record_buffer_gone) {
    std::string text;
    append_record(text, f, l, now_us(), stage, message, fields);
    write_all(text);
    return;
  }
  // One buffer per thread: a record costs no allocation once the buffer has grown.
  thread_local record_buffer buffer;
  buffer.text.clear();
  append_record(buffer.text, f, l, now_us(), stage, message, fields);
  write_all(buffer.text);
  if (buffer.text.capacity() > 64 * 1024) buffer.text = std::string{};
}

}  // namespace gg::log
