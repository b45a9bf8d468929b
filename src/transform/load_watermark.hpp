#pragma once
// Load stamps: incremental models that read exactly the rows they have not seen yet, whatever
// order concurrent loads commit in.
//
// A load-stamped row carries the id of the transaction that loaded it (raw_data.*.load_xid,
// a column default, so the loader does nothing for it); a model built from such rows carries
// the newest stamp of the rows each of its rows was built from. A model keeps a watermark in
// pipeline.transform_watermarks: every input row stamped below it has been processed. Before a
// run reads its inputs it takes the oldest transaction still running (the xmin of a snapshot):
// every transaction below it has ended, so every row stamped below it is visible to the reads
// that follow, and a load that commits later, out of order, has a stamp at or above it. The new
// watermark is that xmin, capped by the watermarks of the model's load-stamped parents (a row
// a parent has not processed yet cannot be in the parent). A run reprocesses the rows at or
// above the previous watermark; reprocessing a row twice merges to the same result.

#include "model_spec.hpp"
#include "statement_runner.hpp"

#include <gadgetgrove/core/result.hpp>

#include <cstdint>
#include <optional>

namespace gg::transform {

/// The watermark recorded for `spec`'s relation; nullopt when none is recorded (never built
/// with its load stamp, or built by another tool): what it holds is then unknown.
result<std::optional<std::int64_t>> recorded_watermark(statement_runner& stmt,
                                                       const model_spec& spec);

/// The watermark `spec` reaches if it processes every input row visible from now on: the
/// oldest running transaction id, capped by the parents' recorded watermarks (0 for a parent
/// without one).
result<std::int64_t> reachable_watermark(statement_runner& stmt, const model_spec& spec);

/// Whether any load-stamped input holds a row stamped at or after `from`.
result<bool> inputs_changed_since(statement_runner& stmt, const model_spec& spec,
                                  std::int64_t from);

/// Records `watermark` for `spec`'s relation.
status record_watermark(statement_runner& stmt, const model_spec& spec, std::int64_t watermark);

}  // namespace gg::transform
