#include <gadgetgrove/sched/clock.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>

#include <utility>

namespace gg::sched {
namespace {

/// Asio's two timers behind one interface; a wait on one cancels a pending wait on the other,
/// so the timer has at most one handler pending, as with a single Asio timer.
class real_timer final : public clock_timer {
 public:
  explicit real_timer(const boost::asio::any_io_executor& ex) : steady_(ex), wall_(ex) {}

  void wait_until(std::chrono::steady_clock::time_point deadline, handler fn) override {
    wall_.cancel();
    steady_.expires_at(deadline);
    steady_.async_wait(std::move(fn));
  }

  void wait_until(std::chrono::system_clock::time_point deadline, handler fn) override {
    steady_.cancel();
    wall_.expires_at(deadline);
    wall_.async_wait(std::move(fn));
  }

  void cancel() override {
    steady_.cancel();
    wall_.cancel();
  }

 private:
  boost::asio::steady_timer steady_;
  boost::asio::system_timer wall_;
};

class real_clock_impl final : public clock {
 public:
  std::chrono::steady_clock::time_point steady_now() const noexcept override {
    return std::chrono::steady_clock::now();
  }
  std::chrono::system_clock::time_point wall_now() const noexcept override {
    return std::chrono::system_clock::now();
  }
  std::unique_ptr<clock_timer> make_timer(boost::asio::any_io_executor ex) override {
    return std::make_unique<real_timer>(ex);
  }
};

}  // namespace

std::shared_ptr<clock> real_clock() {
  static const std::shared_ptr<clock> instance = std::make_shared<real_clock_impl>();
  return instance;
}

}  // namespace gg::sched
