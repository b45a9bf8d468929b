#pragma once
// The loader's unit of work for one segment file, for loaders other than the loader stage (the
// stream loader spools a batch of stream messages into a segment file and loads it here): one
// transaction with the ledger row (pipeline.loaded_segments), the rows by binary COPY with the
// event_id guards, and the rejected lines, exactly as the loader stage loads a segment.
//
// Thread safety: none; one thread at a time (it keeps reusable buffers).

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/loader/segment_store.hpp>
#include <gadgetgrove/pg/connection.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace gg::loader {

namespace detail {
class segment_loader;
}

struct segment_unit_result {
  bool loaded = false;  // false: the ledger already had this segment, nothing was written
  std::uint64_t rows = 0;
  std::uint64_t rejected = 0;
  std::map<std::string, std::uint64_t> rejects_by_reason;
};

class segment_unit {
 public:
  /// `metrics` (null: metrics::global()) must outlive this.
  explicit segment_unit(metrics::registry* metrics = nullptr);
  ~segment_unit();
  segment_unit(const segment_unit&) = delete;
  segment_unit& operator=(const segment_unit&) = delete;

  /// Loads `segment` on `conn` (outside a transaction) and commits; `in_transaction` (may be
  /// empty) runs inside that transaction just before the commit, so what it writes commits
  /// with the rows or not at all. Does not move the file. Errors: the database's; conflict
  /// when the ledger holds another file under this segment's name.
  result<segment_unit_result> load(
      pg::connection& conn, const segment_ref& segment,
      const std::function<status(pg::connection&)>& in_transaction = {});

 private:
  std::unique_ptr<detail::segment_loader> loader_;
};

}  // namespace gg::loader
