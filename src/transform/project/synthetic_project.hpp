#pragma once
// A generated dbt project of any size, for benchmarks and scale tests.

#include <gadgetgrove/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace gg::transform {

/// Writes a project with `models` models to `dir` (created; existing files are overwritten):
/// a source, staging views over it, layers of intermediate and mart models that ref earlier
/// ones (several refs each, chosen by `seed`), folder configs, incremental models with
/// is_incremental() blocks, ephemerals, YAML property files with generic tests and a
/// generate_schema_name override. Deterministic for a given (models, seed). Blocks on file I/O.
gg::status write_synthetic_project(const std::filesystem::path& dir, std::size_t models,
                                   std::uint64_t seed = 1);

}  // namespace gg::transform
