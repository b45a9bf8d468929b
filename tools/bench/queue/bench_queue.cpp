// Push/pop throughput of gg::queue::bounded_queue with 1, 2 and 4 producers and one consumer,
// next to a std::mutex + std::deque queue with the same capacity and, for the record of why we
// did not wrap it, moodycamel::ConcurrentQueue behind an atomic capacity gate. Each figure is the
// median of several runs (thread placement on a small machine makes single runs noisy). Runs with
// an 8-byte item (queue overhead alone) and a 96-byte one (the size of an event log request).
//   bench_queue [events-per-run] [runs]   (defaults 2000000 and 5)

#include <gadgetgrove/queue/bounded_queue.hpp>

#include <concurrentqueue/concurrentqueue.h>
#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t capacity = 65536;
constexpr std::size_t pop_batch = 256;

struct small_item {
  std::uint64_t key = 0;
};
struct request_sized_item {
  std::uint64_t key = 0;
  std::array<char, 88> body{};
};

template <class T>
class mutex_deque_queue {
 public:
  bool try_push(T&& v) {
    std::lock_guard lock(mu_);
    if (items_.size() >= capacity) return false;
    items_.push_back(std::move(v));
    return true;
  }
  std::size_t pop_bulk(std::vector<T>& out, std::size_t max) {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (; n < max && !items_.empty(); ++n) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    return n;
  }

 private:
  std::mutex mu_;
  std::deque<T> items_;
};

template <class T>
class gated_moodycamel_queue {
 public:
  bool try_push(T&& v) {
    if (size_.fetch_add(1, std::memory_order_acq_rel) >= capacity) {
      size_.fetch_sub(1, std::memory_order_acq_rel);
      return false;
    }
    return q_.enqueue(std::move(v));
  }
  std::size_t pop_bulk(std::vector<T>& out, std::size_t max) {
    const std::size_t before = out.size();
    out.resize(before + max);
    const std::size_t n =
        q_.try_dequeue_bulk(out.begin() + static_cast<std::ptrdiff_t>(before), max);
    out.resize(before + n);
    size_.fetch_sub(n, std::memory_order_acq_rel);
    return n;
  }

 private:
  moodycamel::ConcurrentQueue<T> q_{capacity};
  std::atomic<std::size_t> size_{0};
};

template <class T>
class ours_queue {
 public:
  bool try_push(T&& v) { return q_.try_push(std::move(v)); }
  std::size_t pop_bulk(std::vector<T>& out, std::size_t max) { return q_.pop_bulk(out, max); }

 private:
  gg::queue::bounded_queue<T> q_{capacity};
};

struct run_result {
  double ops_per_s = 0;
  bool complete = false;
};

template <class Q, class T>
run_result run_once(int producers, std::uint64_t total) {
  Q q;
  const std::uint64_t per = total / static_cast<std::uint64_t>(producers);
  const std::uint64_t expected_count = per * static_cast<std::uint64_t>(producers);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::uint64_t i = 0; i < per; ++i) {
        T v;
        v.key = static_cast<std::uint64_t>(p) * per + i;
        while (!q.try_push(std::move(v))) std::this_thread::yield();
      }
    });
  }
  std::uint64_t sum = 0;
  std::uint64_t count = 0;
  std::vector<T> buf;
  buf.reserve(pop_batch);
  const auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  while (count < expected_count) {
    buf.clear();
    const std::size_t n = q.pop_bulk(buf, pop_batch);
    if (n == 0) {
      std::this_thread::yield();
      continue;
    }
    for (const auto& v : buf) sum += v.key;
    count += n;
  }
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
  for (auto& t : threads) t.join();
  return {static_cast<double>(count) / elapsed.count(),
          sum == expected_count * (expected_count - 1) / 2};
}

template <class Q, class T>
run_result run_median(int producers, std::uint64_t total, int runs) {
  std::vector<double> rates;
  bool complete = true;
  for (int i = 0; i < runs; ++i) {
    const auto r = run_once<Q, T>(producers, total);
    rates.push_back(r.ops_per_s);
    complete = complete && r.complete;
  }
  std::sort(rates.begin(), rates.end());
  return {rates[rates.size() / 2], complete};
}

// One thread pushes a burst then pops it: the cost of the operations themselves, without
// contention or scheduling noise.
template <class Q>
double uncontended_ns_per_item(std::uint64_t total) {
  Q q;
  std::vector<small_item> buf;
  buf.reserve(pop_batch);
  std::uint64_t sum = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t done = 0; done < total; done += pop_batch) {
    for (std::size_t i = 0; i < pop_batch; ++i) {
      small_item v;
      v.key = done + i;
      q.try_push(std::move(v));
    }
    buf.clear();
    q.pop_bulk(buf, pop_batch);
    for (const auto& v : buf) sum += v.key;
  }
  const auto elapsed =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start);
  if (sum == 0) std::abort();
  return elapsed.count() / static_cast<double>(total);
}

template <class T>
void table(const char* title, std::uint64_t total, int runs) {
  fmt::print("\n{} (median of {} runs of {} events)\n", title, runs, total);
  fmt::print("{:>9} {:>14} {:>14} {:>16} {:>11} {:>9}\n", "producers", "ours ops/s", "mutex ops/s",
             "moodycamel ops/s", "ours/mutex", "mc/mutex");
  for (int producers : {1, 2, 4}) {
    const auto ours = run_median<ours_queue<T>, T>(producers, total, runs);
    const auto mutex = run_median<mutex_deque_queue<T>, T>(producers, total, runs);
    const auto mc = run_median<gated_moodycamel_queue<T>, T>(producers, total, runs);
    fmt::print("{:>9} {:>14.0f} {:>14.0f} {:>16.0f} {:>10.2f}x {:>8.2f}x{}\n", producers,
               ours.ops_per_s, mutex.ops_per_s, mc.ops_per_s, ours.ops_per_s / mutex.ops_per_s,
               mc.ops_per_s / mutex.ops_per_s,
               ours.complete && mutex.complete && mc.complete ? "" : "  (ITEMS LOST)");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t total = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  fmt::print("bounded queues, capacity {}, one consumer popping up to {} at a time, {} cpus\n",
             capacity, pop_batch, std::thread::hardware_concurrency());
  fmt::print(
      "\nuncontended push+pop, one thread: ours {:.1f} ns, mutex {:.1f} ns, moodycamel {:.1f} ns\n",
      uncontended_ns_per_item<ours_queue<small_item>>(total),
      uncontended_ns_per_item<mutex_deque_queue<small_item>>(total),
      uncontended_ns_per_item<gated_moodycamel_queue<small_item>>(total));
  table<small_item>("8-byte items", total, runs);
  table<request_sized_item>("96-byte items", total, runs);
  return 0;
}
