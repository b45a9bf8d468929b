#include <gadgetgrove/eventlog/segment_format.hpp>

#include <gadgetgrove/core/checksum.hpp>

#include <cstring>

namespace gg::eventlog {

namespace {

bool is_lower_hex(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Writes the 33-byte tail for `hash` at `out`.
void write_tail(std::uint64_t hash, char* out) noexcept {
  std::memcpy(out, checksum_prefix.data(), checksum_prefix.size());
  write_hex16(hash, out + checksum_prefix.size());
  out[checksum_prefix.size() + 16] = '"';
  out[checksum_prefix.size() + 17] = '}';
  out[checksum_prefix.size() + 18] = '\n';
}

bool parse_digits(std::string_view s, std::uint32_t& out) noexcept {
  std::uint32_t v = 0;
  for (const char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

bool is_frameable(std::string_view object) noexcept {
  if (object.size() < 3 || object.front() != '{' || object.back() != '}') return false;
  if (std::memchr(object.data(), '\n', object.size()) != nullptr) return false;
  // An empty object would frame as `{,"_checksum":...}`, which is not JSON.
  const auto inner = object.substr(1, object.size() - 2);
  return inner.find_first_not_of(" \t\r") != std::string_view::npos;
}

void frame_in_place(std::string& object) {
  object.pop_back();
  const std::uint64_t hash = checksum64(object);
  const std::size_t base = object.size();
  object.resize(base + frame_tail_size);
  write_tail(hash, object.data() + base);
}

void unframe_in_place(std::string& line) {
  line.resize(line.size() - frame_tail_size);
  line.push_back('}');
}

void append_framed(std::string_view object, std::string& out) {
  const auto body = object.substr(0, object.size() - 1);
  const std::size_t base = out.size();
  out.resize(base + body.size() + frame_tail_size);
  std::memcpy(out.data() + base, body.data(), body.size());
  write_tail(checksum64(body), out.data() + base + body.size());
}

frame_check check_frame(std::string_view line) noexcept {
  constexpr std::size_t tail_size = frame_tail_size - 1;  // without the newline
  if (line.size() < tail_size + 1) return frame_check::missing;
  const std::size_t body = line.size() - tail_size;
  const auto tail = line.substr(body);
  if (tail.substr(0, checksum_prefix.size()) != checksum_prefix) return frame_check::missing;
  const auto hex = tail.substr(checksum_prefix.size(), 16);
  for (const char c : hex) {
    if (!is_lower_hex(c)) return frame_check::missing;
  }
  if (tail.substr(checksum_prefix.size() + 16) != "\"}") return frame_check::missing;
  std::uint64_t expected = 0;
  if (!parse_hex16(hex, expected)) return frame_check::missing;
  return checksum64(line.substr(0, body)) == expected ? frame_check::ok : frame_check::mismatch;
}

bool verify_line(std::string_view line) noexcept {
  if (line.empty() || line.back() != '\n') return false;
  return check_frame(line.substr(0, line.size() - 1)) == frame_check::ok;
}

segment_scan scan_segment(std::string_view data) noexcept {
  segment_scan scan;
  bool bad_seen = false;
  std::size_t pos = 0;
  while (pos < data.size()) {
    const void* nl = std::memchr(data.data() + pos, '\n', data.size() - pos);
    const std::size_t end =
        nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - data.data()) + 1
                      : data.size();
    const bool ok = nl != nullptr && verify_line(data.substr(pos, end - pos));
    if (!bad_seen) {
      if (ok) {
        ++scan.good_lines;
      } else {
        bad_seen = true;
        scan.good_bytes = pos;
      }
    } else if (ok) {
      ++scan.lines_after;
    }
    pos = end;
  }
  if (!bad_seen) {
    scan.good_bytes = data.size();
  } else {
    scan.damage = scan.lines_after > 0 ? segment_damage::corrupt : segment_damage::torn_tail;
  }
  return scan;
}

std::string format_segment_name(const segment_name& name) {
  char seq[24];
  int n = 0;
  std::uint64_t v = name.seq;
  do {
    seq[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < 8) seq[n++] = '0';
  std::string out;
  out.reserve(compact_utc_size + 1 + static_cast<std::size_t>(n) + open_suffix.size());
  out.resize(compact_utc_size);
  format_compact_utc(name.first_event_time, out.data());
  out.push_back('-');
  while (n > 0) out.push_back(seq[--n]);
  out.append(name.open ? open_suffix : sealed_suffix);
  return out;
}

std::optional<segment_name> parse_segment_name(std::string_view file_name) noexcept {
  segment_name out;
  std::string_view rest = file_name;
  if (rest.ends_with(open_suffix)) {
    out.open = true;
    rest.remove_suffix(open_suffix.size());
  } else if (rest.ends_with(sealed_suffix)) {
    rest.remove_suffix(sealed_suffix.size());
  } else {
    return std::nullopt;
  }
  // YYYYMMDDTHHMMSSffffffZ-NNNNNNNN
  if (rest.size() < compact_utc_size + 1 + 8 || rest[8] != 'T' || rest[21] != 'Z' ||
      rest[22] != '-') {
    return std::nullopt;
  }
  const auto seq_text = rest.substr(compact_utc_size + 1);
  if (seq_text.size() > 19) return std::nullopt;
  std::uint64_t seq = 0;
  for (const char c : seq_text) {
    if (!is_digit(c)) return std::nullopt;
    seq = seq * 10 + static_cast<std::uint64_t>(c - '0');
  }
  std::uint32_t year, month, day, hour, minute, second, micros;
  if (!parse_digits(rest.substr(0, 4), year) || !parse_digits(rest.substr(4, 2), month) ||
      !parse_digits(rest.substr(6, 2), day) || !parse_digits(rest.substr(9, 2), hour) ||
      !parse_digits(rest.substr(11, 2), minute) || !parse_digits(rest.substr(13, 2), second) ||
      !parse_digits(rest.substr(15, 6), micros)) {
    return std::nullopt;
  }
  const auto y = static_cast<std::int32_t>(year);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(y, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  const std::int64_t days = days_from_civil(y, month, day);
  const std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second;
  out.first_event_time = sys_us{std::chrono::microseconds{secs * 1'000'000 + micros}};
  out.seq = seq;
  return out;
}

}  // namespace gg::eventlog
