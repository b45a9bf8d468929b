#pragma once
// The stream loader as a stage of serve (--role loader --broker): a thread of its own that
// keeps loading every queue's stream whose lock this node holds (stream_loader), and stands by
// for the others, taking one over once the node holding it is gone.
//
// Thread safety: the stage lifecycle belongs to one control thread; health() may be called
// from any thread.

#include <gadgetgrove/broker/stream_loader.hpp>
#include <gadgetgrove/core/stage.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gg::broker {

struct stream_loader_stage_options {
  /// Its conninfo is replaced by conninfo() at start (the database stage knows it then).
  stream_loader_options loader;
  std::function<std::string()> conninfo;
  std::vector<std::string> queues;
  /// The pause after a round that loaded nothing, and the waits after a failed one (doubling
  /// up to retry_max). An idle round costs a few small queries per queue (lock, offset) and no
  /// broker round trip, as the consumers stay open.
  std::chrono::milliseconds poll = std::chrono::milliseconds(200);
  std::chrono::milliseconds retry_max = std::chrono::seconds(30);
};

class stream_loader_stage final : public gg::stage {
 public:
  explicit stream_loader_stage(stream_loader_stage_options options);
  ~stream_loader_stage() override;

  std::string_view name() const noexcept override { return "stream-loader"; }
  std::vector<std::string> depends_on() const override { return {"pg"}; }
  /// Starts the loading thread; does not wait for the broker.
  gg::status start() override;
  void request_stop() override;
  /// Waits for the batch in flight to commit or roll back (or `until`).
  gg::status drain(deadline until) override;
  /// up while rounds succeed (the detail names the queues this node loads), degraded with the
  /// last error while they fail.
  gg::health health() const override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gg::broker
