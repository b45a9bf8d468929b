#pragma once
// Counters, gauges and histograms for every stage, exposed in the Prometheus text format
// (version 0.0.4). Registration takes a mutex (it happens at start-up); updates are lock-free
// atomics, safe from any thread. Metric objects live as long as their registry and are never
// moved, so stages keep plain references to them.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gg::metrics {

using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept;
  void sub(double d) noexcept { add(-d); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// A fixed-bucket histogram. `bounds` are the upper bounds, finite and strictly increasing
/// (std::logic_error otherwise; a trailing +Inf is dropped); +Inf is implied. NaN observations
/// are ignored.
class histogram {
 public:
  explicit histogram(std::vector<double> bounds);
  void observe(double v) noexcept;
  const std::vector<double>& bounds() const noexcept { return bounds_; }
  /// Per-bucket (non-cumulative) counts; the last one is the +Inf bucket.
  std::vector<std::uint64_t> bucket_counts() const;
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

/// Bucket bounds for latencies in seconds: 50 µs .. 10 s.
std::vector<double> latency_buckets();
/// Bucket bounds for sizes/counts: powers of two from 1 to 65536.
std::vector<double> size_buckets();

/// Writes one metric family of a collector (used for values computed at scrape time). Call
/// family() once per family, then sample() for each of its samples. Not thread-safe; a
/// collector gets its own instance for the duration of one call.
class exposition {
 public:
  void family(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, const labels& l, double value);
  std::string& text() noexcept { return out_; }
  /// The name of each family() call and where its text starts, in call order; the registry
  /// uses it to merge collector output into name order.
  const std::vector<std::pair<std::string, std::size_t>>& family_starts() const noexcept {
    return starts_;
  }

 private:
  std::string out_;
  std::vector<std::pair<std::string, std::size_t>> starts_;
};

/// A set of named metric families. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
/// [a-zA-Z_][a-zA-Z0-9_]* (not starting with "__"); registering the same name and labels twice
/// (in any label order) returns the same object; the same name with another type, a histogram
/// with other bounds, or an invalid name is a programming error (std::logic_error at start-up).
/// expose() lists families sorted by name, collectors' families included; collectors run
/// without the registry's lock held, so they may register metrics.
class registry {
 public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  counter& get_counter(std::string_view name, std::string_view help, const labels& l = {});
  gauge& get_gauge(std::string_view name, std::string_view help, const labels& l = {});
  histogram& get_histogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                           const labels& l = {});

  /// Adds a function called on every scrape to append families computed on demand.
  void add_collector(std::function<void(exposition&)> collect);

  /// The whole registry in the Prometheus text format 0.0.4.
  std::string expose() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The process-wide registry every stage registers with.
registry& global();

/// Adds process metrics read from /proc/self at scrape time: process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_cpu_seconds_total, process_open_fds, process_max_fds,
/// process_start_time_seconds and gadgetgrove_uptime_seconds. Registering twice is harmless
/// (a family name is exposed once).
void register_process_collector(registry& r);

}  // namespace gg::metrics
