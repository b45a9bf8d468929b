#pragma once
// The one-shot handle through which a handler answers a request.

#include <gadgetgrove/http/response.hpp>

#include <cstdint>
#include <functional>
#include <memory>

namespace gg::http {

namespace detail {
/// Receives the response of request `id`; implemented by the connection. deliver() may be
/// called from any thread and must not throw.
class response_sink {
 public:
  virtual ~response_sink() = default;
  /// `dropped` is true when the responder was destroyed without sending.
  virtual void deliver(std::uint64_t id, response&& r, bool dropped) noexcept = 0;
};
}  // namespace detail

/// A move-only handle that answers exactly one request. send() may be called from any thread,
/// once; the response is handed to the connection's strand and written in request order. A
/// responder destroyed without sending answers 500 and the drop is logged and counted, so a
/// request can never hang on a forgotten handle. The responder keeps its connection's state
/// alive until it is used; a handler may keep it as long as it needs (for example until an
/// event is durable), though the client may have gone by then, in which case send() is a
/// no-op.
class responder {
 public:
  responder() noexcept = default;
  responder(std::shared_ptr<detail::response_sink> sink, std::uint64_t id) noexcept
      : sink_(std::move(sink)), id_(id) {}
  responder(responder&& other) noexcept;
  responder& operator=(responder&& other) noexcept;
  responder(const responder&) = delete;
  responder& operator=(const responder&) = delete;
  ~responder();

  /// Answers the request. Calling it on an empty or already used responder does nothing.
  void send(response r) &&;
  /// True until send() is called or the responder is moved from.
  explicit operator bool() const noexcept { return static_cast<bool>(sink_); }

  /// A responder that calls `fn` (on the calling thread) instead of writing to a connection;
  /// a drop calls `fn` with the 500 response. For tests and in-process dispatch.
  static responder to_function(std::function<void(response&&)> fn);

 private:
  std::shared_ptr<detail::response_sink> sink_;
  std::uint64_t id_ = 0;
};

}  // namespace gg::http
