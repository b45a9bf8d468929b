// Chaos: floods and slow clients against serve started with the default 1,024 file descriptors
// (soft and hard, so it cannot raise them): thousands of idle connections, slowloris headers and
// bodies, oversized and gzip-bomb bodies, and a burst far past the sustainable rate. The process
// stays up, its memory stays bounded (peak RSS printed), and a well-behaved client that opens a
// connection and posts one event every 100 ms keeps being answered 200 within a bound.

#include "chaos_support.hpp"

#include "http_client.hpp"
#include "pg_fixture.hpp"
#include "temp_dir.hpp"
#include "test_seed.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace chaos = gg::test::chaos;

const gg::test::http_fields browser{
    {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"}};

// An attacker's connection: a non-blocking socket that sends what it is told and never reads
// a response on its own.
class raw_conn {
 public:
  explicit raw_conn(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    ::sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<::sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
      close();
    }
  }
  ~raw_conn() { close(); }
  raw_conn(raw_conn&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  raw_conn& operator=(raw_conn&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }

  /// Best effort; false when the peer is gone.
  bool send(std::string_view bytes) {
    if (fd_ < 0) return false;
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    return n >= 0 || errno == EAGAIN || errno == ENOTCONN;
  }
  /// Whether the server has closed (or answered and closed) this connection.
  bool closed_by_peer() {
    if (fd_ < 0) return true;
    char buf[512];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN;
    return false;  // it answered something (a 503 or 408): the close follows
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// `total` attacker connections made by `make`, each fed by `feed` every 500 ms, and reopened
// when the server drops them, for `hold`: the pressure a real attacker keeps up.
std::size_t keep_attacking(unsigned short port, std::size_t total, std::chrono::seconds hold,
                           const std::function<void(raw_conn&)>& make,
                           const std::function<void(raw_conn&)>& feed) {
  std::vector<raw_conn> conns;
  conns.reserve(total);
  std::size_t opened = 0;
  for (std::size_t i = 0; i < total; ++i) {
    conns.emplace_back(port);
    make(conns.back());
    ++opened;
  }
  const auto until = std::chrono::steady_clock::now() + hold;
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(500ms);
    for (auto& c : conns) {
      if (c.closed_by_peer()) {
        c = raw_conn(port);
        make(c);
        ++opened;
      } else {
        feed(c);
      }
    }
  }
  return opened;
}

// The well-behaved client: a new connection and one event every 100 ms, each answer timed.
class probe {
 public:
  explicit probe(unsigned short port) : port_(port), thread_([this] { run(); }) {}
  ~probe() { stop(); }

  void phase(const std::string& name) {
    std::lock_guard lock(mu_);
    phases_.push_back({name});
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  struct stats {
    std::string name;
    int ok = 0;
    int failed = 0;
    double max_s = 0;
    std::string first_failure;
  };
  std::vector<stats> results() {
    std::lock_guard lock(mu_);
    return phases_;
  }

 private:
  void run() {
    int n = 0;
    while (!stop_) {
      const auto t0 = std::chrono::steady_clock::now();
      std::string failure;
      try {
        gg::test::http_client c(port_);
        c.set_timeout(10s);
        const std::string body =
            R"({"type":"page_view","url":"https://shop.example/p","path":"/p","title":"P","sessionId":"probe-)" +
            std::to_string(++n) + R"("})";
        auto r = c.post("/api/analytics", body, "application/json", browser);
        if (r.status != 200) failure = "HTTP " + std::to_string(r.status) + " " + r.body;
      } catch (const std::exception& e) {
        failure = e.what();
      }
      const double s = chaos::seconds_since(t0);
      {
        std::lock_guard lock(mu_);
        if (!phases_.empty()) {
          auto& p = phases_.back();
          p.max_s = std::max(p.max_s, s);
          if (failure.empty()) {
            ++p.ok;
          } else {
            if (p.failed++ == 0) p.first_failure = failure;
          }
        }
      }
      std::this_thread::sleep_for(100ms);
    }
  }

  unsigned short port_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<stats> phases_;
  std::thread thread_;
};

std::string gzip_of_zeros(std::size_t n) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  const std::string zeros(1 << 20, '\0');
  std::string out;
  char buf[1 << 16];
  for (std::size_t done = 0; done < n; done += zeros.size()) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    zs.avail_in = static_cast<uInt>(std::min(zeros.size(), n - done));
    const bool last = done + zeros.size() >= n;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      deflate(&zs, last ? Z_FINISH : Z_NO_FLUSH);
      out.append(buf, sizeof buf - zs.avail_out);
    } while (zs.avail_out == 0);
  }
  deflateEnd(&zs);
  return out;
}

}  // namespace

TEST_CASE("floods and slow clients: serve stays up, bounded, and serves a well-behaved client",
          "[e2e][chaos][slow]") {
  const bool long_run = chaos::long_form();
  const std::size_t idle_n = long_run ? 10000 : 3000;
  const std::size_t slow_n = long_run ? 3000 : 800;
  const auto hold = long_run ? 15s : 4s;
  const std::uint32_t seed = gg::test::test_seed("chaos flood");
  INFO("seed " << seed << " (GG_TEST_SEED reproduces)");
  std::mt19937 rng(seed);
  const auto t0 = std::chrono::steady_clock::now();

  gg::test::temp_dir dir("gg-chaos-flood");
  const fs::path data = dir / "data";
  gg::test::pg_seed_cluster(data);
  chaos::chaos_serve serve({"/usr/bin/prlimit", "--nofile=1024:1024", "--"}, data,
                           dir / "serve-logs", 0, {"--traffic", "off"}, {});
  serve.wait_ready(60s);
  const unsigned short port = serve.endpoints().public_port;
  const int pid = serve.endpoints().pid;
  CHECK(serve.log().find("connections capped by the descriptor limit") != std::string::npos);
  const std::uint64_t rss_ready = chaos::rss_kib(pid);

  std::atomic<bool> sampling{true};
  std::atomic<std::uint64_t> rss_max{0};
  std::thread sampler([&] {
    while (sampling) {
      rss_max = std::max<std::uint64_t>(rss_max, chaos::rss_kib(pid));
      std::this_thread::sleep_for(50ms);
    }
  });

  probe client(port);
  client.phase("quiet");
  std::this_thread::sleep_for(1s);

  client.phase("idle connections");
  const auto idle_opened = keep_attacking(
      port, idle_n, hold, [](raw_conn&) {}, [](raw_conn&) {});

  client.phase("slowloris headers and bodies");
  std::uniform_int_distribution<int> letter('a', 'z');
  const auto slow_opened = keep_attacking(
      port, slow_n, hold,
      [&](raw_conn& c) {
        // Half trickle their header, half a body they announced.
        if (letter(rng) % 2 == 0) {
          c.send("POST /api/analytics HTTP/1.1\r\nHost: x\r\nX-Slow: ");
        } else {
          c.send(
              "POST /api/analytics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              "Content-Length: 30000\r\n\r\n{");
        }
      },
      [&](raw_conn& c) { c.send(std::string(1, static_cast<char>(letter(rng)))); });

  client.phase("oversized and gzip-bomb bodies");
  const std::string bomb = gzip_of_zeros(64ULL << 20);
  std::vector<unsigned> big_answers;
  for (int i = 0; i < 10; ++i) {
    for (const bool gz : {false, true}) {
      try {
        gg::test::http_client c(port);
        c.set_timeout(10s);
        gg::test::http_reply r;
        if (gz) {
          r = c.request("POST", "/v1/batch", bomb,
                        {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
        } else {
          // Announces 100 MB, sends the head and a first chunk: answered before the rest.
          c.send_raw(
              "POST /api/analytics/batch HTTP/1.1\r\nHost: x\r\nContent-Type: "
              "application/json\r\nContent-Length: 104857600\r\n\r\n" +
              std::string(64 * 1024, ' '));
          r = c.read_reply();
        }
        big_answers.push_back(r.status);
      } catch (const std::exception& e) {
        UNSCOPED_INFO("oversized request: " << e.what());
        big_answers.push_back(0);
      }
    }
  }
  for (unsigned s : big_answers) CHECK(s == 413);

  client.phase("burst");
  const fs::path burst_acks = dir / "burst.acks";
  auto burst =
      chaos::cli({"simulate", "--url", "http://127.0.0.1:" + std::to_string(port), "--rate",
                  long_run ? "50000" : "20000", "--duration", long_run ? "15s" : "3s",
                  "--concurrency", "64", "--no-page-loads", "--max-error-rate", "1", "--progress",
                  "never", "--timeout", "5s", "--seed", std::to_string(seed)},
                 dir / "cli");
  CHECK(burst.status == 0);
  std::cerr << "chaos flood: burst:\n" << burst.out << std::endl;
  client.phase("after");
  std::this_thread::sleep_for(1s);
  client.stop();
  sampling = false;
  sampler.join();

  CHECK(serve.process().running());
  const std::uint64_t peak = chaos::peak_rss_kib(pid);
  std::cerr << "chaos flood: " << idle_opened << " idle connections opened, " << slow_opened
            << " slow ones; RSS at ready " << rss_ready / 1024 << " MiB, peak (VmHWM) "
            << peak / 1024 << " MiB, sampled max " << rss_max / 1024 << " MiB" << std::endl;
  for (const auto& p : client.results()) {
    std::cerr << "chaos flood: well-behaved client during " << p.name << ": " << p.ok << " ok, "
              << p.failed << " failed, slowest " << p.max_s << " s"
              << (p.failed > 0 ? " (first failure: " + p.first_failure + ")" : "") << std::endl;
    INFO("phase " << p.name << ": " << p.first_failure);
    CHECK(p.ok > 0);
    CHECK(p.failed == 0);
    CHECK(p.max_s < 2.0);
  }
  // Bounded: the floods may cost buffers and connection state, not memory that grows with them.
  CHECK(peak < 512 * 1024);
  serve.process().signal(SIGTERM);
  CHECK(serve.process().wait(60s) == std::optional<int>(0));
  std::cerr << "chaos flood: scenario " << chaos::seconds_since(t0) << " s" << std::endl;
}
