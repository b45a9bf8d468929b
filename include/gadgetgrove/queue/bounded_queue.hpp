#pragma once
// Why our own ring and not moodycamel::ConcurrentQueue behind a capacity gate: speed does not
// decide it, the contract does. tools/bench/queue/bench_queue (both next to std::mutex +
// std::deque in the same run; 2-core machine shared with other builds, medians, still noisy):
// one-thread push+pop costs about 10 ns for the ring, 4-10 ns for moodycamel, 17 ns for the
// mutex queue; with 1-2 producers on a quiet machine the ring moved 40-160 M small items/s
// (2.7-6x the mutex queue) and moodycamel 13-44 M/s (0.5-1.4x); under load, and with 4
// producers on 2 cores, all three converge because the threads mostly take turns. What the log
// needs, only the ring gives without extra machinery: the bound is exact and every slot is
// allocated once (moodycamel grows per-producer blocks on demand and needs a separate shared
// counter as the gate, one more contended atomic per push); a batch claims N slots with one CAS,
// so /batch endpoints get an all-or-nothing push; items leave in one global order; and the
// consumer's futex sleep rides on the same atomics (a plain release store publishes a slot; the
// CAS that claims it doubles as the fence of the sleep handshake).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace gg::queue {

namespace detail {
/// Sleeps while `word` equals `expected`, at most `timeout`; may return early for any reason.
void futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                std::chrono::nanoseconds timeout) noexcept;
void futex_wake_all(const std::atomic<std::uint32_t>& word) noexcept;
}  // namespace detail

/// A bounded multi-producer / single-consumer FIFO (Dmitry Vyukov's bounded MPMC ring with the
/// consumer side simplified to one thread). Capacity is rounded up to a power of two and all
/// slots are allocated up front, so pushing never allocates and never blocks: a full queue is
/// reported to the producer, which sheds the load (HTTP 503) instead of stalling an I/O thread.
///
/// Thread safety: try_push, try_push_bulk, size_approx, capacity and wake may be called from any
/// thread; try_pop, pop_bulk, empty and wait_for_items only from the one consumer thread. The
/// consumer sleeps on a futex when the queue is empty; producers pay one uncontended load of a
/// "consumer is waiting" flag per push and enter the kernel only when it is set.
template <class T>
class bounded_queue {
  static_assert(std::is_nothrow_move_constructible_v<T>, "slots are filled by move");

 public:
  /// `capacity` is rounded up to the next power of two (at least 2).
  explicit bounded_queue(std::size_t capacity)
      : mask_(round_up(capacity) - 1), cells_(new cell[mask_ + 1]) {
    for (std::size_t i = 0; i <= mask_; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  }

  ~bounded_queue() {
    for (std::size_t pos = dequeue_pos_.load(std::memory_order_relaxed);; ++pos) {
      cell& c = cells_[pos & mask_];
      if (c.sequence.load(std::memory_order_acquire) != pos + 1) break;
      std::launder(reinterpret_cast<T*>(c.storage))->~T();
    }
  }

  bounded_queue(const bounded_queue&) = delete;
  bounded_queue& operator=(const bounded_queue&) = delete;

  std::size_t capacity() const noexcept { return mask_ + 1; }

  /// Moves `item` into the queue, or returns false (leaving `item` untouched) when it is full.
  bool try_push(T&& item) noexcept {
    std::size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    cell* c = nullptr;
    for (;;) {
      c = &cells_[pos & mask_];
      const std::size_t seq = c->sequence.load(std::memory_order_acquire);
      const auto dif = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos);
      if (dif == 0) {
        if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_seq_cst,
                                               std::memory_order_relaxed)) {
          break;
        }
      } else if (dif < 0) {
        return false;
      } else {
        pos = enqueue_pos_.load(std::memory_order_relaxed);
      }
    }
    ::new (static_cast<void*>(c->storage)) T(std::move(item));
    publish(*c, pos);
    notify_consumer();
    return true;
  }

  /// Moves all of `items` into the queue as one contiguous run, or none of them (returning false,
  /// items untouched) when there is not room for all.
  bool try_push_bulk(std::span<T> items) noexcept {
    const std::size_t n = items.size();
    if (n == 0) return true;
    if (n > capacity()) return false;
    std::size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    for (;;) {
      // The consumer frees slots strictly in order, so when the last slot of the run is free
      // for this lap every slot before it is too.
      const cell& last = cells_[(pos + n - 1) & mask_];
      const std::size_t seq = last.sequence.load(std::memory_order_acquire);
      const auto dif = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos + n - 1);
      if (dif == 0) {
        if (enqueue_pos_.compare_exchange_weak(pos, pos + n, std::memory_order_seq_cst,
                                               std::memory_order_relaxed)) {
          break;
        }
      } else if (dif < 0) {
        return false;
      } else {
        pos = enqueue_pos_.load(std::memory_order_relaxed);
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      cell& c = cells_[(pos + i) & mask_];
      ::new (static_cast<void*>(c.storage)) T(std::move(items[i]));
      publish(c, pos + i);
    }
    notify_consumer();
    return true;
  }

  /// Consumer only. Moves the oldest item into `out`; false when the queue is empty.
  bool try_pop(T& out) noexcept {
    const std::size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
    cell& c = cells_[pos & mask_];
    if (c.sequence.load(std::memory_order_acquire) != pos + 1) return false;
    T* p = std::launder(reinterpret_cast<T*>(c.storage));
    out = std::move(*p);
    p->~T();
    release(c, pos);
    return true;
  }

  /// Consumer only. Appends up to `max` items to `out`, oldest first; returns how many.
  std::size_t pop_bulk(std::vector<T>& out, std::size_t max) {
    std::size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
    std::size_t n = 0;
    for (; n < max; ++n, ++pos) {
      cell& c = cells_[pos & mask_];
      if (c.sequence.load(std::memory_order_acquire) != pos + 1) break;
      T* p = std::launder(reinterpret_cast<T*>(c.storage));
      out.push_back(std::move(*p));
      p->~T();
      c.sequence.store(pos + mask_ + 1, std::memory_order_release);
    }
    dequeue_pos_.store(pos, std::memory_order_relaxed);
    return n;
  }

  /// Consumer only: whether the next item is not yet visible.
  bool empty() const noexcept {
    const std::size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
    return cells_[pos & mask_].sequence.load(std::memory_order_acquire) != pos + 1;
  }

  /// Items pushed and not yet popped; exact only when no thread is pushing or popping.
  std::size_t size_approx() const noexcept {
    const std::size_t deq = dequeue_pos_.load(std::memory_order_relaxed);
    const std::size_t enq = enqueue_pos_.load(std::memory_order_relaxed);
    if (enq <= deq) return 0;
    const std::size_t n = enq - deq;
    return n > capacity() ? capacity() : n;
  }

  /// Consumer only. Blocks until an item is visible, wake() is called, `stop_waiting()` returns
  /// true, or `timeout` passes (spurious returns are possible). Returns !empty().
  template <class Pred>
  bool wait_for_items(std::chrono::nanoseconds timeout, Pred&& stop_waiting) {
    if (!empty()) return true;
    const std::uint32_t key = signal_.load(std::memory_order_acquire);
    // Dekker-style handshake with notify_consumer(): this flag store and the load of
    // enqueue_pos_ below, the producer's slot-claiming CAS and its load of the flag, are all
    // seq_cst, so either the producer sees the flag or this thread sees the claim. `key` read
    // before the check turns any later wake() into an immediate return from the futex wait.
    waiting_.store(1, std::memory_order_seq_cst);
    const std::size_t claimed = enqueue_pos_.load(std::memory_order_seq_cst);
    if (claimed == dequeue_pos_.load(std::memory_order_relaxed) && !stop_waiting()) {
      detail::futex_wait(signal_, key, timeout);
    } else if (empty()) {
      // A producer claimed a slot and has not published it yet: a few instructions away.
      std::this_thread::yield();
    }
    waiting_.store(0, std::memory_order_relaxed);
    return !empty();
  }
  bool wait_for_items(std::chrono::nanoseconds timeout) {
    return wait_for_items(timeout, [] { return false; });
  }

  /// Wakes the consumer if it sleeps in wait_for_items (used to deliver a stop request).
  void wake() noexcept {
    signal_.fetch_add(1, std::memory_order_release);
    detail::futex_wake_all(signal_);
  }

 private:
  struct cell {
    std::atomic<std::size_t> sequence{0};
    alignas(T) unsigned char storage[sizeof(T)];
  };

  static std::size_t round_up(std::size_t n) noexcept {
    std::size_t c = 2;
    while (c < n) c <<= 1;
    return c;
  }

  static void publish(cell& c, std::size_t pos) noexcept {
    c.sequence.store(pos + 1, std::memory_order_release);
  }
  void release(cell& c, std::size_t pos) noexcept {
    c.sequence.store(pos + mask_ + 1, std::memory_order_release);
    dequeue_pos_.store(pos + 1, std::memory_order_relaxed);
  }

  void notify_consumer() noexcept {
    if (waiting_.load(std::memory_order_seq_cst) != 0 &&
        waiting_.exchange(0, std::memory_order_acq_rel) != 0) {
      wake();
    }
  }

  // Read-only after construction; shared by everyone.
  const std::size_t mask_;
  const std::unique_ptr<cell[]> cells_;
  // Each hot counter on its own cache line so producers and the consumer do not false-share.
  alignas(64) std::atomic<std::size_t> enqueue_pos_{0};
  alignas(64) std::atomic<std::size_t> dequeue_pos_{0};
  alignas(64) std::atomic<std::uint32_t> waiting_{0};
  std::atomic<std::uint32_t> signal_{0};
};

}  // namespace gg::queue
