#include <gadgetgrove/sched/scheduler.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace {

using gg::sched::scheduler;
using namespace std::chrono_literals;

/// The calls every fake stage made, in order, across all stages.
class call_log {
 public:
  void add(std::string event) {
    std::lock_guard lk(mtx_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> events() const {
    std::lock_guard lk(mtx_);
    return events_;
  }
  std::vector<std::string> with_prefix(std::string_view prefix) const {
    std::vector<std::string> out;
    for (auto& e : events()) {
      if (e.rfind(prefix, 0) == 0) out.push_back(e.substr(prefix.size()));
    }
    return out;
  }

 private:
  mutable std::mutex mtx_;
  std::vector<std::string> events_;
};

class recording_stage : public gg::stage {
 public:
  recording_stage(std::string name, std::vector<std::string> deps, std::shared_ptr<call_log> log,
                  bool fail_start = false)
      : name_(std::move(name)),
        deps_(std::move(deps)),
        log_(std::move(log)),
        fail_start_(fail_start) {}

  std::string_view name() const noexcept override { return name_; }
  std::vector<std::string> depends_on() const override { return deps_; }
  gg::status start() override {
    log_->add("start:" + name_);
    if (fail_start_) return gg::fail(gg::errc::unavailable, "port already in use");
    state_.store(gg::health_state::up);
    return {};
  }
  void request_stop() override { log_->add("request_stop:" + name_); }
  gg::status drain(gg::deadline) override {
    log_->add("drain:" + name_);
    state_.store(gg::health_state::stopped);
    return {};
  }
  gg::health health() const override {
    const auto s = state_.load();
    return gg::health{s, s == gg::health_state::up ? "" : "not up"};
  }
  void set_state(gg::health_state s) { state_.store(s); }

 private:
  std::string name_;
  std::vector<std::string> deps_;
  std::shared_ptr<call_log> log_;
  bool fail_start_;
  std::atomic<gg::health_state> state_{gg::health_state::starting};
};

std::size_t position(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<std::size_t>(std::find(v.begin(), v.end(), x) - v.begin());
}

}  // namespace

TEST_CASE("stages start in dependency order and stop in reverse", "[integration][sched]") {
  auto calls = std::make_shared<call_log>();
  scheduler s{gg::sched::scheduler_options{1, 2}};
  auto loader =
      std::make_shared<recording_stage>("loader", std::vector<std::string>{"pg", "queue"}, calls);
  s.add_stage(loader);
  s.add_stage(std::make_shared<recording_stage>("http", std::vector<std::string>{"pg"}, calls));
  s.add_stage(std::make_shared<recording_stage>("queue", std::vector<std::string>{}, calls));
  s.add_stage(std::make_shared<recording_stage>("pg", std::vector<std::string>{}, calls));
  CHECK_FALSE(s.ready());

  REQUIRE(s.start_stages().has_value());
  const auto started = calls->with_prefix("start:");
  REQUIRE(started.size() == 4);
  CHECK(position(started, "pg") < position(started, "loader"));
  CHECK(position(started, "queue") < position(started, "loader"));
  CHECK(position(started, "pg") < position(started, "http"));
  CHECK(s.ready());

  const auto health = s.health();
  REQUIRE(health.size() == 4);
  CHECK(health[0].name == "loader");
  CHECK(health[0].health.ready());

  loader->set_state(gg::health_state::degraded);
  CHECK_FALSE(s.ready());
  loader->set_state(gg::health_state::up);
  CHECK(s.ready());

  CHECK_FALSE(s.start_stages().has_value());  // a second start is refused

  s.stop_stages(std::chrono::steady_clock::now() + 1s);
  std::vector<std::string> reversed(started.rbegin(), started.rend());
  CHECK(calls->with_prefix("request_stop:") == reversed);
  CHECK(calls->with_prefix("drain:") == reversed);
  // Every stop request comes before the first drain.
  const auto all = calls->events();
  const auto first_drain = std::find_if(
      all.begin(), all.end(), [](const std::string& e) { return e.rfind("drain:", 0) == 0; });
  CHECK(std::count_if(first_drain, all.end(),
                      [](const std::string& e) { return e.rfind("request_stop:", 0) == 0; }) == 0);
  CHECK_FALSE(s.ready());
}

TEST_CASE("a failing start stops the stages already started in reverse and reports it",
          "[integration][sched]") {
  auto calls = std::make_shared<call_log>();
  scheduler s{gg::sched::scheduler_options{1, 2}};
  s.add_stage(std::make_shared<recording_stage>("a", std::vector<std::string>{}, calls));
  s.add_stage(std::make_shared<recording_stage>("b", std::vector<std::string>{"a"}, calls));
  s.add_stage(std::make_shared<recording_stage>("c", std::vector<std::string>{"b"}, calls, true));
  s.add_stage(std::make_shared<recording_stage>("d", std::vector<std::string>{"c"}, calls));

  auto st = s.start_stages();
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().code == gg::errc::unavailable);
  CHECK_THAT(st.error().message, Catch::Matchers::Contains("\"c\"") &&
                                     Catch::Matchers::Contains("port already in use"));
  CHECK(calls->events() == std::vector<std::string>{"start:a", "start:b", "start:c",
                                                    "request_stop:b", "request_stop:a", "drain:b",
                                                    "drain:a"});
  CHECK_FALSE(s.ready());
  // Nothing is left to stop.
  s.stop_stages(std::chrono::steady_clock::now() + 1s);
  CHECK(calls->events().size() == 7);
}

TEST_CASE("a dependency cycle is an error naming the cycle, and nothing starts",
          "[integration][sched]") {
  auto calls = std::make_shared<call_log>();
  scheduler s{gg::sched::scheduler_options{1, 2}};
  s.add_stage(std::make_shared<recording_stage>("z", std::vector<std::string>{}, calls));
  s.add_stage(std::make_shared<recording_stage>("a", std::vector<std::string>{"b"}, calls));
  s.add_stage(std::make_shared<recording_stage>("b", std::vector<std::string>{"c"}, calls));
  s.add_stage(std::make_shared<recording_stage>("c", std::vector<std::string>{"z", "a"}, calls));
  auto st = s.start_stages();
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().code == gg::errc::config);
  CHECK_THAT(st.error().message, Catch::Matchers::Contains("a -> b -> c -> a"));
  CHECK(calls->events().empty());
}

TEST_CASE("an unknown dependency or a repeated stage name is an error naming it",
          "[integration][sched]") {
  auto calls = std::make_shared<call_log>();
  {
    scheduler s{gg::sched::scheduler_options{1, 2}};
    s.add_stage(std::make_shared<recording_stage>("a", std::vector<std::string>{}, calls));
    s.add_stage(std::make_shared<recording_stage>("b", std::vector<std::string>{"nope"}, calls));
    auto st = s.start_stages();
    REQUIRE_FALSE(st.has_value());
    CHECK_THAT(st.error().message,
               Catch::Matchers::Contains("\"b\" depends on unknown stage \"nope\""));
  }
  {
    scheduler s{gg::sched::scheduler_options{1, 2}};
    s.add_stage(std::make_shared<recording_stage>("a", std::vector<std::string>{}, calls));
    s.add_stage(std::make_shared<recording_stage>("a", std::vector<std::string>{}, calls));
    auto st = s.start_stages();
    REQUIRE_FALSE(st.has_value());
    CHECK_THAT(st.error().message, Catch::Matchers::Contains("\"a\" was added twice"));
  }
  CHECK(calls->events().empty());
}

TEST_CASE("destroying the scheduler stops stages still running", "[integration][sched]") {
  auto calls = std::make_shared<call_log>();
  {
    scheduler s{gg::sched::scheduler_options{1, 2}};
    s.add_stage(std::make_shared<recording_stage>("a", std::vector<std::string>{}, calls));
    s.add_stage(std::make_shared<recording_stage>("b", std::vector<std::string>{"a"}, calls));
    s.run();
    REQUIRE(s.start_stages().has_value());
  }
  CHECK(calls->events() == std::vector<std::string>{"start:a", "start:b", "request_stop:b",
                                                    "request_stop:a", "drain:b", "drain:a"});
}
