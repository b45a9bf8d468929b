#pragma once
// Whether the segment loader streams its next chunk of rows or looks their ids up first.

namespace gg::loader::detail {

/// A streamed chunk's COPY starts with its first row and takes the rows while they are parsed:
/// no lookup round trip, and the server inserts while the worker parses. Its one weakness is
/// an event_id already in the raw table (a client's retry): the COPY fails, the chunk is rolled
/// back and copied again after a lookup, so it was sent twice. Retries come in bursts (a
/// client that lost its answers, a node that restarted), so after a duplicate the next chunks
/// are looked up first, and streaming resumes once that many in a row found nothing.
/// One per worker, kept across segments: the retries of a burst spread over the segments that
/// follow. Not thread-safe.
class chunk_mode {
 public:
  explicit chunk_mode(unsigned lookups_after_duplicate) noexcept
      : lookups_after_duplicate_(lookups_after_duplicate) {}

  /// Whether the next chunk is streamed.
  bool streams() const noexcept { return lookups_left_ == 0; }
  /// A duplicate event_id turned up: in the segment itself, in a lookup, or as a streamed
  /// chunk's failed COPY.
  void duplicate_seen() noexcept { lookups_left_ = lookups_after_duplicate_; }
  /// A chunk was looked up; `found_loaded` when the raw table held one of its ids.
  void looked_up(bool found_loaded) noexcept {
    if (found_loaded) {
      duplicate_seen();
    } else if (lookups_left_ > 0) {
      --lookups_left_;
    }
  }

 private:
  unsigned lookups_after_duplicate_;
  unsigned lookups_left_ = 0;
};

}  // namespace gg::loader::detail
