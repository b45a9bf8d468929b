#include "enrich_scratch.hpp"

namespace gg::ingest::detail {

thread_scratch& scratch() {
  thread_local thread_scratch s;
  return s;
}

}  // namespace gg::ingest::detail
