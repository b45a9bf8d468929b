#pragma once
// Small helpers shared by the pg integration tests.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/pg/embedded_cluster.hpp>

#include <catch2/catch.hpp>

#include "pg_fixture.hpp"

#include <filesystem>
#include <string>
#include <type_traits>
#include <utility>

namespace gg::test {

/// The value of `r`, or a failed test showing the error's message.
template <class R>
decltype(auto) must(R&& r) {
  if (!r.has_value()) FAIL(r.error().message);
  if constexpr (!std::is_void_v<typename std::remove_cvref_t<R>::value_type>) {
    return std::move(*r);
  }
}

/// Options for a throwaway cluster of one test: fast and not durable.
inline gg::pg::cluster_options throwaway_cluster(const std::filesystem::path& data_dir) {
  gg::pg::cluster_options o;
  o.data_dir = data_dir;
  o.settings = {{"fsync", "off"}, {"synchronous_commit", "off"}, {"full_page_writes", "off"}};
  o.smart_stop_timeout = std::chrono::milliseconds(0);
  return o;
}

/// Options for a throwaway cluster in `data_dir` that starts without initdb: a ready-made
/// cluster is copied there first (see pg_seed_cluster()).
inline gg::pg::cluster_options seeded_cluster(const std::filesystem::path& data_dir) {
  pg_seed_cluster(data_dir);
  return throwaway_cluster(data_dir);
}

}  // namespace gg::test
