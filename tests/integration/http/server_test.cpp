#include <gadgetgrove/http/server.hpp>

#include <gadgetgrove/core/metrics.hpp>

#include "eventually.hpp"
#include "http_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <source_location>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using gg::http::request;
using gg::http::responder;
using gg::http::response;
using gg::http::router;
using gg::http::verb;
using gg::test::http_client;

/// A server on 127.0.0.1:0 run by two io threads, stopped and drained on destruction. It
/// registers its metrics with a registry of its own.
class running_server {
 public:
  explicit running_server(router routes, gg::http::server_options opts = {}) {
    opts.host = "127.0.0.1";
    opts.port = 0;
    opts.metrics = &metrics_;
    name_ = opts.name;
    server_.emplace(ioc_, std::move(opts), std::make_shared<router>(std::move(routes)));
    auto ep = server_->listen();
    REQUIRE(ep.has_value());
    port_ = ep->port;
    server_->start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  ~running_server() {
    server_->stop();
    (void)server_->drain(std::chrono::steady_clock::now() + 5s);
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  gg::http::server& server() { return *server_; }
  unsigned short port() const { return port_; }
  http_client client() const { return http_client{port_}; }

  gg::metrics::registry& metrics() { return metrics_; }

  std::uint64_t rejections(const std::string& reason) {
    return metrics_
        .get_counter("gadgetgrove_http_rejections_total", "",
                     {{"listener", name_}, {"reason", reason}})
        .value();
  }
  std::uint64_t responses(const std::string& code) {
    return metrics_
        .get_counter("gadgetgrove_http_requests_total", "", {{"listener", name_}, {"code", code}})
        .value();
  }

  /// Waits until the server has exactly `n` connections (a closed one is counted down once
  /// its last handler is gone).
  bool wait_connections(std::size_t n, std::chrono::milliseconds within = 3s,
                        std::source_location where = std::source_location::current()) {
    return gg::test::eventually([&] { return server_->active_connections() == n; }, within, 5ms,
                                "active_connections() == " + std::to_string(n), where);
  }

 private:
  gg::metrics::registry metrics_;  // outlives the connections, which count into it
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  std::optional<gg::http::server> server_;
  std::vector<std::thread> threads_;
  std::string name_;
  unsigned short port_ = 0;
};

gg::http::server_options named(std::string name) {
  gg::http::server_options o;
  o.name = std::move(name);
  return o;
}

void text_route(router& r, verb v, std::string path, std::string body) {
  r.add(v, std::move(path), [body = std::move(body)](request&&, responder res) {
    std::move(res).send(response::text(200, body));
  });
}

/// Threads that answer later, joined by the test before it ends.
class workers {
 public:
  ~workers() {
    for (auto& t : threads_) t.join();
  }
  template <class F>
  void run(F&& f) {
    std::lock_guard lock{mutex_};
    threads_.emplace_back(std::forward<F>(f));
  }

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

}  // namespace

TEST_CASE("GET and POST round-trip with server and default headers", "[integration][http]") {
  router r;
  text_route(r, verb::get, "/hello", "hello world");
  r.add(verb::post, "/echo", [](request&& req, responder res) {
    auto out = response::json(201, req.body);
    out.set_header("X-Method", std::string{gg::http::to_string(req.method)});
    out.set_header("X-Remote", req.remote_address);
    out.set_header("X-Query", req.query_param("q").value_or("-"));
    std::move(res).send(std::move(out));
  });
  auto opts = named("t-roundtrip");
  opts.default_headers = {{"X-Content-Type-Options", "nosniff"}, {"X-Method", "overridden"}};
  running_server s{std::move(r), opts};
  auto c = s.client();

  const auto get = c.get("/hello");
  CHECK(get.status == 200);
  CHECK(get.body == "hello world");
  CHECK(get.header("content-length") == "11");
  CHECK(get.header("content-type") == "text/plain; charset=utf-8");
  CHECK(get.header("x-content-type-options") == "nosniff");
  CHECK(get.header("date").has_value());
  CHECK_FALSE(get.header("connection").has_value());

  const auto post = c.post("/echo?q=a%20b", R"({"k":1})");
  CHECK(post.status == 201);
  CHECK(post.body == R"({"k":1})");
  CHECK(post.header("x-method") == "POST");
  CHECK(post.header("x-remote") == "127.0.0.1");
  CHECK(post.header("x-query") == "a b");
  CHECK(post.header("content-type") == "application/json");
  CHECK(s.responses("2xx") == 2);
}

TEST_CASE("unknown paths answer 404 and wrong methods 405 with Allow", "[integration][http]") {
  router r;
  text_route(r, verb::get, "/only-get", "x");
  running_server s{std::move(r), named("t-404")};
  auto c = s.client();
  const auto missing = c.get("/nope");
  CHECK(missing.status == 404);
  CHECK(missing.body == R"({"status":"error","error":"not found"})");
  const auto wrong = c.post("/only-get", "{}");
  CHECK(wrong.status == 405);
  CHECK(wrong.header("allow") == "GET, HEAD");
  CHECK(c.get("/only-get").status == 200);  // the connection survives both
  CHECK(s.rejections("not_found") == 1);
  CHECK(s.rejections("method_not_allowed") == 1);
  CHECK(s.responses("4xx") == 2);
}

TEST_CASE("HEAD is answered by the GET handler without a body", "[integration][http]") {
  router r;
  text_route(r, verb::get, "/page", "0123456789");
  running_server s{std::move(r), named("t-head")};
  auto c = s.client();
  const auto head = c.request("HEAD", "/page");
  CHECK(head.status == 200);
  CHECK(head.header("content-length") == "10");
  CHECK(head.body.empty());
  const auto get = c.get("/page");  // nothing of the HEAD body was left on the wire
  CHECK(get.body == "0123456789");
}

TEST_CASE("a keep-alive connection serves several requests", "[integration][http]") {
  router r;
  r.add(verb::get, "/n", [](request&& req, responder res) {
    std::move(res).send(response::text(200, req.query_param("i").value_or("")));
  });
  running_server s{std::move(r), named("t-keepalive")};
  auto c = s.client();
  for (int i = 0; i < 20; ++i) {
    const auto reply = c.get("/n?i=" + std::to_string(i));
    REQUIRE(reply.status == 200);
    CHECK(reply.body == std::to_string(i));
  }
  CHECK(s.metrics()
            .get_counter("gadgetgrove_http_connections_total", "", {{"listener", "t-keepalive"}})
            .value() == 1);
  // Counted in the registry the listener was given, not the process-wide one.
  CHECK(gg::metrics::global().expose().find(R"(listener="t-keepalive")") == std::string::npos);
  CHECK(s.server().active_connections() == 1);
}

TEST_CASE("pipelined requests are answered in order even when the first is slowest",
          "[integration][http]") {
  workers later;
  router r;
  r.add(verb::get, "/slow", [&](request&&, responder res) {
    later.run([res = std::move(res)]() mutable {
      std::this_thread::sleep_for(200ms);
      std::move(res).send(response::text(200, "slow"));
    });
  });
  text_route(r, verb::get, "/fast", "fast");
  r.add(verb::post, "/echo",
        [](request&& req, responder res) { std::move(res).send(response::text(200, req.body)); });
  running_server s{std::move(r), named("t-pipeline")};
  auto c = s.client();
  c.send_raw(http_client::format_request("GET", "/slow") +
             http_client::format_request("GET", "/fast") +
             http_client::format_request("POST", "/echo", "body-3") +
             http_client::format_request("HEAD", "/fast"));
  CHECK(c.read_reply().body == "slow");
  CHECK(c.read_reply().body == "fast");
  CHECK(c.read_reply().body == "body-3");
  const auto head = c.read_reply(true);
  CHECK(head.status == 200);
  CHECK(head.header("content-length") == "4");
  CHECK(c.get("/fast").body == "fast");
}

TEST_CASE("pipelining beyond the queue bound pauses reading but loses nothing",
          "[integration][http]") {
  router r;
  r.add(verb::get, "/n", [](request&& req, responder res) {
    std::move(res).send(response::text(200, req.query_param("i").value_or("")));
  });
  auto opts = named("t-pipeline-bound");
  opts.max_queued_responses = 2;
  running_server s{std::move(r), opts};
  auto c = s.client();
  std::string burst;
  for (int i = 0; i < 50; ++i)
    burst += http_client::format_request("GET", "/n?i=" + std::to_string(i));
  c.send_raw(burst);
  for (int i = 0; i < 50; ++i) CHECK(c.read_reply().body == std::to_string(i));
}

TEST_CASE("a body over the route's limit is answered 413 and the connection closed",
          "[integration][http]") {
  router r;
  r.add(verb::post, "/small",
        [](request&&, responder res) { std::move(res).send(response::text(200, "ok")); },
        {.body_limit = 100});
  r.add(verb::post, "/large",
        [](request&& req, responder res) {
          std::move(res).send(response::text(200, std::to_string(req.body.size())));
        },
        {.body_limit = 1 << 20});
  running_server s{std::move(r), named("t-413")};

  auto big = s.client();
  const auto reply = big.post("/small", std::string(5000, 'x'));
  CHECK(reply.status == 413);
  CHECK(reply.body == R"({"status":"error","error":"request body too large"})");
  CHECK(reply.header("connection") == "close");
  CHECK(big.wait_closed(3s));

  auto ok = s.client();
  CHECK(ok.post("/small", std::string(100, 'x')).status == 200);
  CHECK(ok.post("/large", std::string(500000, 'x')).body == "500000");

  auto chunked = s.client();
  chunked.send_raw(
      "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "40\r\n" +
      std::string(64, 'a') + "\r\n40\r\n" + std::string(64, 'b') + "\r\n0\r\n\r\n");
  CHECK(chunked.read_reply().status == 413);
  CHECK(s.rejections("body_too_large") == 2);
}

TEST_CASE("a header over the limit is answered 431", "[integration][http]") {
  router r;
  text_route(r, verb::get, "/", "root");
  auto opts = named("t-431");
  opts.header_limit = 1024;
  running_server s{std::move(r), opts};
  auto c = s.client();
  const auto reply = c.get("/", {{"X-Filler", std::string(2000, 'f')}});
  CHECK(reply.status == 431);
  CHECK(c.wait_closed(3s));
  CHECK(s.client().get("/", {{"X-Filler", std::string(500, 'f')}}).status == 200);
  CHECK(s.rejections("header_too_large") == 1);
}

TEST_CASE("a malformed request is answered 400 and the connection closed", "[integration][http]") {
  router r;
  text_route(r, verb::get, "/", "root");
  running_server s{std::move(r), named("t-400")};
  for (const std::string bad : {"THIS IS NOT HTTP\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                                "GET /\x01 HTTP/1.1\r\n\r\n"}) {
    INFO(bad);
    auto c = s.client();
    c.send_raw(bad);
    const auto reply = c.read_reply();
    CHECK(reply.status == 400);
    CHECK(reply.body == R"({"status":"error","error":"malformed request"})");
    CHECK(c.wait_closed(3s));
  }
  CHECK(s.rejections("bad_request") == 3);
  CHECK(s.client().get("/").status == 200);
}

TEST_CASE("a Transfer-Encoding other than a final chunked is answered 400 and closed",
          "[integration][http]") {
  // Without the check, `Transfer-Encoding: chunked, identity` framed no body and the body
  // was served as a second request (a smuggling primitive behind a lenient proxy).
  std::atomic<int> smuggled{0};
  router r;
  text_route(r, verb::post, "/", "root");
  r.add(verb::get, "/smuggled", [&](request&&, responder res) {
    smuggled.fetch_add(1);
    std::move(res).send(response::text(200, "smuggled"));
  });
  running_server s{std::move(r), named("t-te")};
  const std::string smuggle = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string& fields : std::vector<std::string>{
           "Transfer-Encoding: chunked, identity\r\n", "Transfer-Encoding: gzip\r\n",
           "Transfer-Encoding: chunked\r\nContent-Length: " + std::to_string(smuggle.size()) +
               "\r\n",
           "Content-Length: 3\r\nTransfer-Encoding: gzip\r\n"}) {
    INFO(fields);
    auto c = s.client();
    c.send_raw("POST / HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n" + smuggle);
    const auto reply = c.read_reply();
    CHECK(reply.status == 400);
    CHECK(reply.header("connection") == "close");
    CHECK(c.wait_closed(3s));
  }
  CHECK(smuggled.load() == 0);
  CHECK(s.rejections("bad_request") == 4);
  auto ok = s.client();
  ok.send_raw(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n");
  CHECK(ok.read_reply().status == 200);
}

TEST_CASE("a slow sender is disconnected after the read timeout", "[integration][http]") {
  router r;
  text_route(r, verb::get, "/", "root");
  auto opts = named("t-slow");
  opts.read_timeout = 1s;
  running_server s{std::move(r), opts};
  auto c = s.client();
  const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: 0123456789\r\n\r\n";
  const auto started = std::chrono::steady_clock::now();
  const std::size_t sent = c.send_slowly(request, 100ms);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(sent < request.size());
  CHECK(elapsed < 2500ms);
  CHECK(elapsed > 900ms);
  CHECK(s.rejections("read_timeout") == 1);
  CHECK(s.client().get("/").status == 200);
}

TEST_CASE("a connection that never sends a request is closed after the read timeout",
          "[integration][http]") {
  router r;
  auto opts = named("t-silent");
  opts.read_timeout = 1s;
  running_server s{std::move(r), opts};
  auto c = s.client();
  CHECK(c.wait_closed(2500ms));
  CHECK(s.wait_connections(0));
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout", "[integration][http]") {
  router r;
  text_route(r, verb::get, "/", "root");
  auto opts = named("t-idle");
  opts.idle_timeout = 1s;
  running_server s{std::move(r), opts};
  auto c = s.client();
  CHECK(c.get("/").status == 200);
  const auto started = std::chrono::steady_clock::now();
  CHECK(c.wait_closed(3s));
  CHECK(std::chrono::steady_clock::now() - started > 800ms);
  CHECK(s.rejections("read_timeout") == 0);
}

TEST_CASE("at the cap a new connection takes the place of the oldest one waiting for a request",
          "[integration][http]") {
  router r;
  text_route(r, verb::get, "/", "root");
  auto opts = named("t-evict");
  opts.max_connections = 2;
  running_server s{std::move(r), opts};
  // Two connections that will not send a request (an idle flood), the first one older.
  auto silent_old = s.client();
  REQUIRE(s.wait_connections(1));
  auto silent_new = s.client();
  REQUIRE(s.wait_connections(2));

  // A client that sends a request is served: the oldest silent connection made room.
  auto c = s.client();
  CHECK(c.get("/").status == 200);
  CHECK(silent_old.wait_closed(2s));
  CHECK_FALSE(silent_new.wait_closed(100ms));
  CHECK(s.rejections("evicted") == 1);
  CHECK(s.rejections("connection_limit") == 0);
  CHECK(s.wait_connections(2));

  // An idle keep-alive connection waits for a request too: it is next in line after the
  // remaining silent one.
  auto d = s.client();
  CHECK(d.get("/").status == 200);
  CHECK(silent_new.wait_closed(2s));
  auto e = s.client();
  CHECK(e.get("/").status == 200);
  CHECK(c.wait_closed(2s));
  CHECK(s.rejections("evicted") == 3);
}

TEST_CASE("connections beyond the cap are refused with 503 when each one owes a response",
          "[integration][http]") {
  std::mutex m;
  std::vector<responder> held;
  router r;
  r.add(verb::get, "/hold", [&](request&&, responder res) {
    std::lock_guard lock{m};
    held.push_back(std::move(res));
  });
  text_route(r, verb::get, "/", "root");
  auto opts = named("t-cap");
  opts.max_connections = 2;
  running_server s{std::move(r), opts};
  auto a = s.client();
  auto b = s.client();
  a.send_raw(http_client::format_request("GET", "/hold"));
  b.send_raw(http_client::format_request("GET", "/hold"));
  REQUIRE(gg::test::eventually([&] {
    std::lock_guard lock{m};
    return held.size() == 2;
  }));

  // The refused client has sent nothing, so the server's close is a clean FIN after the 503.
  auto refused = s.client();
  const auto reply = refused.try_read_reply();
  REQUIRE(reply.has_value());
  CHECK(reply->status == 503);
  CHECK(reply->header("connection") == "close");
  CHECK(refused.wait_closed(2s));
  CHECK(s.rejections("connection_limit") == 1);
  CHECK(s.rejections("evicted") == 0);
  CHECK(s.server().active_connections() == 2);

  {
    std::lock_guard lock{m};
    for (auto& res : held) std::move(res).send(response::text(200, "held"));
    held.clear();
  }
  CHECK(a.read_reply().body == "held");
  CHECK(b.read_reply().body == "held");
  a.close();
  REQUIRE(s.wait_connections(1));
  CHECK(s.client().get("/").status == 200);
  CHECK(b.get("/").status == 200);
}

TEST_CASE("a responder completed from another thread after a delay answers",
          "[integration][http]") {
  workers later;
  router r;
  r.add(verb::post, "/durable", [&](request&& req, responder res) {
    later.run([res = std::move(res), body = std::move(req.body)]() mutable {
      std::this_thread::sleep_for(150ms);
      std::move(res).send(response::json(202, R"({"status":"accepted","echo":)" + body + "}"));
    });
  });
  running_server s{std::move(r), named("t-async")};
  auto c = s.client();
  const auto started = std::chrono::steady_clock::now();
  const auto reply = c.post("/durable", "7");
  CHECK(std::chrono::steady_clock::now() - started >= 150ms);
  CHECK(reply.status == 202);
  CHECK(reply.body == R"({"status":"accepted","echo":7})");
  CHECK(c.post("/durable", "8").status == 202);
}

TEST_CASE("a dropped responder answers 500 and is counted", "[integration][http]") {
  workers later;
  router r;
  r.add(verb::get, "/drop-now", [](request&&, responder) {});
  r.add(verb::get, "/drop-later", [&](request&&, responder res) {
    later.run([res = std::move(res)]() mutable {
      std::this_thread::sleep_for(50ms);
      responder gone = std::move(res);
    });
  });
  text_route(r, verb::get, "/ok", "ok");
  running_server s{std::move(r), named("t-drop")};
  auto c = s.client();
  const auto now = c.get("/drop-now");
  CHECK(now.status == 500);
  CHECK(now.body == R"({"status":"error","error":"internal error"})");
  CHECK(c.get("/drop-later").status == 500);
  CHECK(c.get("/ok").status == 200);
  CHECK(s.rejections("responder_dropped") == 2);
  CHECK(s.responses("5xx") == 2);
}

TEST_CASE("a handler that throws gets 500 and the server keeps serving", "[integration][http]") {
  router r;
  r.add(verb::get, "/throw", [](request&&, responder) { throw std::runtime_error("boom"); });
  r.add(verb::get, "/throw-int", [](request&&, responder) { throw 42; });
  r.add(verb::get, "/send-then-throw", [](request&&, responder res) {
    std::move(res).send(response::text(200, "sent"));
    throw std::runtime_error("after");
  });
  text_route(r, verb::get, "/ok", "ok");
  running_server s{std::move(r), named("t-throw")};
  auto c = s.client();
  CHECK(c.get("/throw").status == 500);
  CHECK(c.get("/throw-int").status == 500);
  CHECK(c.get("/send-then-throw").body == "sent");
  CHECK(c.get("/ok").status == 200);
  CHECK(s.client().get("/ok").status == 200);
  CHECK(s.rejections("handler_error") == 3);
  CHECK(s.rejections("responder_dropped") == 0);
}

TEST_CASE("stop() closes idle connections and lets an in-flight request finish",
          "[integration][http]") {
  std::promise<responder> pending;
  router r;
  r.add(verb::get, "/wait", [&](request&&, responder res) { pending.set_value(std::move(res)); });
  text_route(r, verb::get, "/ok", "ok");
  running_server s{std::move(r), named("t-stop")};

  auto idle = s.client();
  REQUIRE(idle.get("/ok").status == 200);
  auto busy = s.client();
  busy.send_raw(http_client::format_request("GET", "/wait"));
  auto res = pending.get_future().get();

  s.server().stop();
  CHECK(idle.wait_closed(2s));
  REQUIRE(s.wait_connections(1));
  CHECK(s.server().drain(std::chrono::steady_clock::now() + 50ms).has_error());

  std::move(res).send(response::text(200, "finished"));
  const auto reply = busy.read_reply();
  CHECK(reply.status == 200);
  CHECK(reply.body == "finished");
  CHECK(reply.header("connection") == "close");
  CHECK(busy.wait_closed(3s));
  CHECK_FALSE(s.server().drain(std::chrono::steady_clock::now() + 3s).has_error());
  CHECK_THROWS(s.client());
}

TEST_CASE("a response sent after the client went away is discarded and the connection freed",
          "[integration][http]") {
  std::promise<responder> pending;
  router r;
  r.add(verb::get, "/wait", [&](request&&, responder res) { pending.set_value(std::move(res)); });
  text_route(r, verb::get, "/ok", "ok");
  running_server s{std::move(r), named("t-gone")};
  {
    auto c = s.client();
    c.send_raw(http_client::format_request("GET", "/wait"));
    auto res = pending.get_future().get();
    c.close();
    std::this_thread::sleep_for(100ms);
    CHECK(s.server().active_connections() == 1);  // the responder keeps it
    std::move(res).send(response::text(200, "too late"));
  }
  CHECK(s.wait_connections(0));
  CHECK(s.client().get("/ok").status == 200);
}

TEST_CASE("Expect: 100-continue gets an interim response before the body", "[integration][http]") {
  router r;
  r.add(verb::post, "/upload", [](request&& req, responder res) {
    std::move(res).send(response::text(200, std::to_string(req.body.size())));
  });
  running_server s{std::move(r), named("t-continue")};
  auto c = s.client();
  c.send_raw(
      "POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  c.set_timeout(2s);
  const auto interim = c.read_reply(false, true);
  CHECK(interim.status == 100);
  c.send_raw("abcd");
  const auto reply = c.read_reply();
  CHECK(reply.status == 200);
  CHECK(reply.body == "4");
}

TEST_CASE("a client that half-closes after its request still gets the answer",
          "[integration][http]") {
  router r;
  text_route(r, verb::get, "/", "root");
  running_server s{std::move(r), named("t-halfclose")};
  auto c = s.client();
  c.send_raw(http_client::format_request("GET", "/"));
  c.shutdown_send();
  const auto reply = c.read_reply();
  CHECK(reply.status == 200);
  CHECK(reply.body == "root");
  CHECK(c.wait_closed(3s));
}

TEST_CASE("listen() reports a port already in use as a conflict", "[integration][http]") {
  running_server first{router{}, named("t-inuse-1")};
  boost::asio::io_context ioc;
  auto opts = named("t-inuse-2");
  opts.port = first.port();
  gg::http::server second{ioc, opts, std::make_shared<router>()};
  const auto ep = second.listen();
  REQUIRE(ep.has_error());
  CHECK(ep.error().code == gg::errc::conflict);

  auto bad = named("t-badhost");
  bad.host = "not-an-address";
  gg::http::server third{ioc, bad, std::make_shared<router>()};
  const auto ep3 = third.listen();
  REQUIRE(ep3.has_error());
  CHECK(ep3.error().code == gg::errc::config);
}

TEST_CASE("path parameters reach the handler", "[integration][http]") {
  router r;
  r.add(verb::get, "/category/{slug}/product/{id}", [](request&& req, responder res) {
    std::move(res).send(response::text(
        200, std::string{*req.path_param("slug")} + "|" + std::string{*req.path_param("id")}));
  });
  running_server s{std::move(r), named("t-params")};
  CHECK(s.client().get("/category/laptops/product/LA-00ff00ff?x=1").body == "laptops|LA-00ff00ff");
}
