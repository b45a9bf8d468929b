#include "http_fetch.hpp"

#include "response_parser.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <memory>

namespace gg::traffic::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

struct fetch_op : std::enable_shared_from_this<fetch_op> {
  fetch_op(asio::any_io_executor ex, fetch_callback cb)
      : socket(ex), timer(ex), done(std::move(cb)) {}

  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  fetch_callback done;
  std::string request;
  response_parser parser;
  bool finished = false;

  void finish(gg::result<fetch_reply> r) {
    if (finished) return;
    finished = true;
    timer.cancel();
    error_code ignored;
    socket.close(ignored);
    auto cb = std::move(done);
    cb(std::move(r));
  }

  void read() {
    char* at = parser.prepare(16 * 1024);
    socket.async_read_some(
        asio::buffer(at, parser.capacity()),
        [self = shared_from_this()](const error_code& ec, std::size_t n) {
          if (self->finished) return;
          response_parser::state st;
          if (ec == asio::error::eof) {
            st = self->parser.on_eof();
          } else if (ec) {
            return self->finish(gg::fail(errc::unavailable, "read: " + ec.message(), true));
          } else {
            st = self->parser.commit(n);
          }
          if (st == response_parser::state::need_more) return self->read();
          if (st == response_parser::state::error) {
            return self->finish(gg::fail(errc::invalid_input, self->parser.error()));
          }
          self->finish(fetch_reply{self->parser.status(), std::string(self->parser.body())});
        });
  }
};

}  // namespace

void async_fetch(asio::any_io_executor ex, asio::ip::tcp::endpoint ep, std::string host,
                 std::string target, std::chrono::milliseconds timeout, fetch_callback done) {
  auto op = std::make_shared<fetch_op>(ex, std::move(done));
  op->request = "GET " + target + " HTTP/1.1\r\nHost: " + host +
                "\r\nAccept: application/json\r\nUser-Agent: GadgetGroveTraffic/1\r\n"
                "Connection: close\r\n\r\n";
  op->timer.expires_after(timeout);
  op->timer.async_wait([op](const error_code& ec) {
    if (!ec) op->finish(gg::fail(errc::timeout, "no answer in time", true));
  });
  op->socket.async_connect(ep, [op](const error_code& ec) {
    if (op->finished) return;
    if (ec) return op->finish(gg::fail(errc::unavailable, "connect: " + ec.message(), true));
    asio::async_write(
        op->socket, asio::buffer(op->request), [op](const error_code& wec, std::size_t) {
          if (op->finished) return;
          if (wec) {
            return op->finish(gg::fail(errc::unavailable, "write: " + wec.message(), true));
          }
          op->read();
        });
  });
}

gg::result<fetch_reply> fetch(asio::ip::tcp::endpoint ep, std::string host, std::string target,
                              std::chrono::milliseconds timeout) {
  asio::io_context ioc(1);
  gg::result<fetch_reply> out = gg::fail(errc::internal, "fetch did not complete");
  async_fetch(ioc.get_executor(), ep, std::move(host), std::move(target), timeout,
              [&out](gg::result<fetch_reply> r) { out = std::move(r); });
  ioc.run();
  return out;
}

}  // namespace gg::traffic::detail
