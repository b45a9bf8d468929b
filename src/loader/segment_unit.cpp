#include <gadgetgrove/loader/segment_unit.hpp>

#include <gadgetgrove/loader/loader.hpp>

#include "segment_loader.hpp"

namespace gg::loader {

segment_unit::segment_unit(metrics::registry* metrics) {
  // The same series the loader stage counts into: a guarded load is one whoever runs it.
  const auto counters =
      detail::segment_counters::in(metrics != nullptr ? *metrics : gg::metrics::global());
  const loader_options defaults;
  loader_ = std::make_unique<detail::segment_loader>(defaults.read_chunk_bytes,
                                                     defaults.copy_chunk_bytes, counters);
}

segment_unit::~segment_unit() = default;

result<segment_unit_result> segment_unit::load(
    pg::connection& conn, const segment_ref& segment,
    const std::function<status(pg::connection&)>& in_transaction) {
  auto r = loader_->load(conn, segment, nullptr, in_transaction);
  if (!r) return r.error();
  segment_unit_result out;
  switch (r->outcome) {
    case detail::segment_outcome::loaded:
      out.loaded = true;
      break;
    case detail::segment_outcome::already_loaded:
      return out;
    case detail::segment_outcome::conflicting:
      return fail(errc::conflict, "the ledger holds another file named " + segment.key());
  }
  out.rows = r->rows;
  out.rejected = r->rejected;
  out.rejects_by_reason = r->rejects_by_reason;
  return out;
}

}  // namespace gg::loader
