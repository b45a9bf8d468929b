#include <gadgetgrove/http/responder.hpp>

#include <gadgetgrove/core/log.hpp>

#include <exception>

namespace gg::http {

namespace {

const gg::logger log{"http"};

/// Adapts a plain function to the sink interface for responder::to_function.
class function_sink final : public detail::response_sink {
 public:
  explicit function_sink(std::function<void(response&&)> fn) : fn_(std::move(fn)) {}

  void deliver(std::uint64_t, response&& r, bool) noexcept override {
    try {
      if (fn_) fn_(std::move(r));
    } catch (const std::exception& e) {
      log.error("response callback threw", {{"error", e.what()}});
    } catch (...) {
      log.error("response callback threw");
    }
  }

 private:
  std::function<void(response&&)> fn_;
};

/// What the client gets when its responder is dropped.
response dropped_response() { return error_json(500, "internal error"); }

}  // namespace

responder::responder(responder&& other) noexcept : sink_(std::move(other.sink_)), id_(other.id_) {}

responder& responder::operator=(responder&& other) noexcept {
  if (this != &other) {
    responder old{std::move(*this)};
    sink_ = std::move(other.sink_);
    id_ = other.id_;
  }
  return *this;
}

responder::~responder() {
  if (!sink_) return;
  auto sink = std::move(sink_);
  try {
    sink->deliver(id_, dropped_response(), true);
  } catch (...) {
    // Only the 500 body's allocation can throw here; the connection then closes on its own
    // deadline, which is all that can be done without memory.
  }
}

void responder::send(response r) && {
  if (!sink_) return;
  auto sink = std::move(sink_);
  sink->deliver(id_, std::move(r), false);
}

responder responder::to_function(std::function<void(response&&)> fn) {
  return responder{std::make_shared<function_sink>(std::move(fn)), 0};
}

}  // namespace gg::http
