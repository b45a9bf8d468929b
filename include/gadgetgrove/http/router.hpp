#pragma once
// Maps a method and path to a handler.

#include <gadgetgrove/http/request.hpp>
#include <gadgetgrove/http/responder.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gg::http {

/// A route handler. It runs on the connection's strand and must not block; it answers through
/// the responder, then or later from any thread. An exception it throws is caught, logged and
/// answered with 500.
using handler = std::function<void(request&&, responder)>;

struct route_options {
  /// Largest accepted body; a larger one is answered 413 and the connection closed. The limit
  /// is applied after the header is read, so each route chooses its own.
  std::size_t body_limit = 64 * 1024;
};

/// What the router decided for a method and path.
struct route_match {
  enum class outcome { found, not_found, method_not_allowed };
  outcome result = outcome::not_found;
  const handler* target = nullptr;  // set when found (a route or the fallback)
  std::size_t body_limit = route_options{}.body_limit;
  std::string allow;  // method_not_allowed: the Allow header value
  std::vector<std::pair<std::string, std::string>> params;  // `{name}` segments, decoded
};

/// The routing table of one listener. Routes are added at start-up (add* throw
/// std::invalid_argument on a duplicate route or a path not starting with '/'), then the router
/// is shared read-only: match() is const and safe from any number of threads.
///
/// Lookup order: exact paths, then patterns (a segment `{name}` matches one non-empty segment),
/// then the longest prefix. The first of those that has a handler for the method wins; a HEAD
/// request uses the GET handler when there is no HEAD one (the server drops the body). When
/// some route matches the path but none has the method, the answer is 405 with Allow. When no
/// route matches, the fallback handles it, or the server answers 404
/// `{"status":"error","error":"not found"}`.
class router {
 public:
  router();
  ~router();
  router(router&&) noexcept;
  router& operator=(router&&) noexcept;
  router(const router&) = delete;
  router& operator=(const router&) = delete;

  /// An exact path, or a pattern when it contains a `{name}` segment.
  router& add(verb method, std::string path, handler fn, route_options options = {});
  /// Every path starting with `prefix` (e.g. "/static/").
  router& add_prefix(verb method, std::string prefix, handler fn, route_options options = {});
  /// Handles any request no route matches (any method).
  router& set_fallback(handler fn, route_options options = {});

  route_match match(verb method, std::string_view path) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gg::http
