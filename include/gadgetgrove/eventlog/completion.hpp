#pragma once
// A move-only `void(gg::status)` callable: how the event log tells a submitter what became of
// its event. Small callables (up to four pointers, e.g. a shared_ptr and an index) are stored
// inline, so handing one over allocates nothing.

#include <gadgetgrove/core/result.hpp>

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace gg::eventlog {

/// A type-erased, move-only completion handler. Not thread-safe itself; the event log invokes
/// each one exactly once, from its writer thread (or, with ack_mode::queued, from the thread
/// that submitted), so a handler must be quick and must not block: post to your executor.
class completion {
 public:
  static constexpr std::size_t inline_size = 4 * sizeof(void*);

  completion() noexcept = default;

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, completion> &&
                                     std::is_invocable_v<D&, gg::status>>>
  completion(F&& f) {  // implicit on purpose: `done = [..](gg::status) {..}` reads best
    if constexpr (fits_inline<D>) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      ops_ = &inline_ops<D>;
    } else {
      ::new (static_cast<void*>(buf_)) D*(new D(std::forward<F>(f)));
      ops_ = &heap_ops<D>;
    }
  }

  completion(completion&& other) noexcept : ops_(other.ops_) {
    if (ops_ != nullptr) ops_->move(buf_, other.buf_);
    other.ops_ = nullptr;
  }

  completion& operator=(completion&& other) noexcept {
    if (this != &other) {
      reset();
      ops_ = other.ops_;
      if (ops_ != nullptr) ops_->move(buf_, other.buf_);
      other.ops_ = nullptr;
    }
    return *this;
  }

  completion(const completion&) = delete;
  completion& operator=(const completion&) = delete;
  ~completion() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  /// Calls the handler (which must be set).
  void operator()(gg::status s) { ops_->invoke(buf_, std::move(s)); }

  void reset() noexcept {
    if (ops_ != nullptr) {
      ops_->destroy(buf_);
      ops_ = nullptr;
    }
  }

 private:
  struct ops_table {
    void (*invoke)(void* self, gg::status&& s);
    void (*move)(void* dst, void* src) noexcept;  // move-constructs into dst, destroys src
    void (*destroy)(void* self) noexcept;
  };

  template <class D>
  static constexpr bool fits_inline =
      sizeof(D) <= inline_size &&
      alignof(D) <= alignof(void*) && std::is_nothrow_move_constructible_v<D>;

  template <class D>
  static constexpr ops_table inline_ops = {
      [](void* self, gg::status&& s) { (*std::launder(static_cast<D*>(self)))(std::move(s)); },
      [](void* dst, void* src) noexcept {
        D* from = std::launder(static_cast<D*>(src));
        ::new (dst) D(std::move(*from));
        from->~D();
      },
      [](void* self) noexcept { std::launder(static_cast<D*>(self))->~D(); },
  };

  template <class D>
  static constexpr ops_table heap_ops = {
      [](void* self, gg::status&& s) { (**std::launder(static_cast<D**>(self)))(std::move(s)); },
      [](void* dst, void* src) noexcept { ::new (dst) D*(*std::launder(static_cast<D**>(src))); },
      [](void* self) noexcept { delete *std::launder(static_cast<D**>(self)); },
  };

  // Pointer alignment keeps a completion at five words (every queue slot holds one); a handler
  // that needs more alignment goes to the heap.
  alignas(void*) unsigned char buf_[inline_size];
  const ops_table* ops_ = nullptr;
};

}  // namespace gg::eventlog
