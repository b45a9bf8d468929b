#include <gadgetgrove/traffic/latency_histogram.hpp>

#include <gadgetgrove/core/prng.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <vector>

using gg::traffic::latency_histogram;

TEST_CASE("buckets are exact below 128 us and within 1/64 above", "[unit][traffic]") {
  for (std::uint64_t v = 0; v < 128; ++v) {
    CHECK(latency_histogram::bucket_low(latency_histogram::bucket_of(v)) == v);
  }
  for (std::uint64_t v : std::initializer_list<std::uint64_t>{
           128, 129, 1000, 65'535, 1'000'000, 123'456'789, latency_histogram::max_value_us}) {
    const auto b = latency_histogram::bucket_of(v);
    REQUIRE(b < latency_histogram::bucket_count);
    const auto lo = latency_histogram::bucket_low(b), hi = latency_histogram::bucket_high(b);
    CHECK(lo <= v);
    CHECK(v < hi);
    CHECK(static_cast<double>(hi - lo) / static_cast<double>(lo) <= 1.0 / 64 + 1e-12);
  }
  CHECK(latency_histogram::bucket_of(latency_histogram::max_value_us) ==
        latency_histogram::bucket_count - 1);
  // Values past the top are clamped into it.
  CHECK(latency_histogram::bucket_of(~0ULL) == latency_histogram::bucket_count - 1);
}

TEST_CASE("bucket boundaries tile the range without gaps", "[unit][traffic]") {
  for (std::size_t i = 0; i + 1 < latency_histogram::bucket_count; ++i) {
    REQUIRE(latency_histogram::bucket_high(i) == latency_histogram::bucket_low(i + 1));
  }
}

TEST_CASE("percentiles match exact ones within the bucket precision", "[unit][traffic]") {
  auto h = std::make_unique<latency_histogram>();
  gg::prng r(5);
  std::vector<std::uint64_t> values;
  for (int i = 0; i < 100'000; ++i) {
    // Mostly fast, with a slow tail, like real latencies.
    const auto v =
        static_cast<std::uint64_t>(r.exponential(300.0)) + (r.chance(0.02) ? 20'000 : 50);
    values.push_back(v);
    h->record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const auto exact = values[static_cast<std::size_t>(p / 100.0 * values.size()) - 1];
    CHECK(static_cast<double>(h->percentile(p)) ==
          Approx(static_cast<double>(exact)).epsilon(0.02));
  }
  CHECK(h->count() == 100'000);
  CHECK(h->max() == values.back());
  CHECK(h->percentile(100) == values.back());
}

TEST_CASE("an empty histogram reports zeros and merging adds counts", "[unit][traffic]") {
  auto a = std::make_unique<latency_histogram>();
  auto b = std::make_unique<latency_histogram>();
  CHECK(a->percentile(50) == 0);
  CHECK(a->mean() == 0);
  a->record(100);
  b->record(300);
  b->record(5000);
  a->merge(*b);
  CHECK(a->count() == 3);
  CHECK(a->max() == 5000);
  CHECK(a->percentile(50) == Approx(300).epsilon(0.02));
  a->reset();
  CHECK(a->count() == 0);
}
