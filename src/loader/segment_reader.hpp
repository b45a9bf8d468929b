#pragma once
// Reads a sealed segment line by line through one reusable buffer, so memory stays bounded by
// the longest line whatever the segment's size, and hashes every byte on the way (the ledger's
// segment checksum).

#include <gadgetgrove/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

namespace gg::loader {

/// One line of a segment.
struct segment_line {
  std::string_view text;     // without the '\n'
  bool terminated = false;   // false only for a last line cut short
  std::uint64_t number = 0;  // 1-based
};

/// A forward-only reader over one file. Every line it returns is followed by at least
/// line_padding readable bytes (line_parser's requirement). Not thread-safe; movable.
class segment_reader {
 public:
  /// Opens `path` read-only. Errors: errc::not_found, errc::io.
  static result<segment_reader> open(const std::filesystem::path& path,
                                     std::size_t chunk_bytes = std::size_t{4} << 20);

  segment_reader(segment_reader&&) noexcept;
  segment_reader& operator=(segment_reader&&) noexcept;
  ~segment_reader();

  /// The next line, or nullopt at the end of the file. The view is valid until the next call.
  /// Blocks on read(2); errors are errc::io.
  result<std::optional<segment_line>> next();

  /// Bytes read so far (the file's size once next() returned nullopt).
  std::uint64_t bytes_read() const noexcept;
  /// XXH3-64 of the bytes read so far (of the whole file once next() returned nullopt).
  std::uint64_t checksum() const noexcept;

 private:
  struct impl;
  explicit segment_reader(std::unique_ptr<impl> p) noexcept;
  std::unique_ptr<impl> impl_;
};

}  // namespace gg::loader
