#include <gadgetgrove/broker/stream_loader_stage.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/worker_thread.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stop_token>
#include <thread>

namespace gg::broker {

namespace {
constexpr gg::logger lg{"stream-loader"};
}

struct stream_loader_stage::impl {
  stream_loader_stage_options options;
  mutable std::mutex mutex;
  std::string last_error;
  std::set<std::string> owned;  // queues whose lock this node holds
  // The last member: destroyed first, so the thread is joined while everything it uses lives.
  worker_thread worker;

  bool sleep(std::stop_token st, std::chrono::milliseconds d) { return worker.sleep(st, d); }

  void run(std::stop_token st) {
    stream_loader_options lo = options.loader;
    lo.conninfo = options.conninfo();
    lo.on_lock = [this](const std::string& queue, bool held) {
      std::lock_guard lock(mutex);
      if (held) {
        owned.insert(queue);
        lg.info("loading stream", {{"queue", queue}});
      } else {
        owned.erase(queue);
      }
    };
    stream_loader loader(std::move(lo));
    auto wait = options.poll;
    while (!st.stop_requested()) {
      bool failed = false;
      std::uint64_t events = 0;
      for (const auto& q : options.queues) {
        if (st.stop_requested()) break;
        auto r = loader.load_available(q);
        std::lock_guard lock(mutex);
        if (!r) {
          failed = true;
          last_error = q + ": " + r.error().message;
          lg.warn("stream load failed", {{"queue", q}, {"error", r.error().message}});
          continue;
        }
        events += r->events;
      }
      if (!failed) {
        std::lock_guard lock(mutex);
        last_error.clear();
        wait = options.poll;
      }
      if (events > 0 && !failed) continue;
      if (!sleep(st, wait)) break;
      if (failed) wait = std::min(wait * 2, options.retry_max);
    }
  }
};

stream_loader_stage::stream_loader_stage(stream_loader_stage_options options)
    : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
}

stream_loader_stage::~stream_loader_stage() = default;

gg::status stream_loader_stage::start() {
  impl_->worker.start([this](std::stop_token st) { impl_->run(st); });
  return {};
}

void stream_loader_stage::request_stop() { impl_->worker.request_stop(); }

gg::status stream_loader_stage::drain(deadline until) {
  return impl_->worker.drain(until, "stream loader still loading a batch");
}

gg::health stream_loader_stage::health() const {
  if (!impl_->worker.started()) return {health_state::starting, "not started"};
  if (impl_->worker.finished()) return {health_state::stopped, "stopped"};
  std::lock_guard lock(impl_->mutex);
  std::string queues;
  for (const auto& q : impl_->owned) queues += (queues.empty() ? "" : ",") + q;
  const std::string detail = "from " + impl_->options.loader.url.redacted() + "; loading " +
                             (queues.empty() ? std::string("no queue (standing by)") : queues);
  if (!impl_->last_error.empty()) {
    return {health_state::degraded, detail + "; last error: " + impl_->last_error};
  }
  return {health_state::up, detail};
}

}  // namespace gg::broker
