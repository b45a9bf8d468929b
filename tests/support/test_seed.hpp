#pragma once
// The seed of a randomised test: GG_TEST_SEED when set (to reproduce a failure), else a fresh
// one. Either way it is printed, so every failing run names the seed that reproduces it.

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <string_view>

namespace gg::test {

/// The seed for the randomised test `name`; prints "<name>: seed N (GG_TEST_SEED=N
/// reproduces)" on stderr. A GG_TEST_SEED that is not a number is ignored (a fresh seed).
inline std::uint32_t test_seed(std::string_view name) {
  std::uint32_t seed = 0;
  bool given = false;
  if (const char* env = std::getenv("GG_TEST_SEED"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const unsigned long v = std::strtoul(env, &end, 10);
    if (end != nullptr && *end == '\0') {
      seed = static_cast<std::uint32_t>(v);
      given = true;
    }
  }
  if (!given) seed = std::random_device{}();
  std::cerr << name << ": seed " << seed << " (GG_TEST_SEED=" << seed << " reproduces)"
            << (given ? ", from GG_TEST_SEED" : "") << std::endl;
  return seed;
}

}  // namespace gg::test
