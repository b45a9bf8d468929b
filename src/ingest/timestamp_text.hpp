#pragma once
// A per-thread formatter of the timestamps ingest stamps on every line.

#include <gadgetgrove/core/time.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

namespace gg::ingest::detail {

/// Formats times as format_iso8601_us does, redoing the date and time only when the second
/// changes: consecutive requests on a thread mostly fall in the same second.
class timestamp_text {
 public:
  void append(sys_us t, std::string& out) {
    const auto since_epoch = t.time_since_epoch();
    const std::int64_t second = std::chrono::floor<std::chrono::seconds>(since_epoch).count();
    if (second != second_) {
      format_iso8601_us(t, text_);
      second_ = second;
    } else {
      auto micros =
          static_cast<std::uint32_t>((since_epoch - std::chrono::seconds{second}).count());
      for (int i = 25; i >= 20; --i) {
        text_[i] = static_cast<char>('0' + micros % 10);
        micros /= 10;
      }
    }
    out.append(text_, sizeof text_);
  }

 private:
  std::int64_t second_ = std::numeric_limits<std::int64_t>::min();
  char text_[iso8601_us_size] = {};
};

}  // namespace gg::ingest::detail
