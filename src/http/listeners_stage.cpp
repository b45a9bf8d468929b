#include <gadgetgrove/http/listeners_stage.hpp>

#include <gadgetgrove/core/host_port.hpp>
#include <gadgetgrove/core/log.hpp>

#include <charconv>

namespace gg::http {
namespace {

const gg::logger log{"http"};

std::string format_endpoint(const http::endpoint_info& ep) {
  if (ep.address.find(':') != std::string::npos) {
    return "[" + ep.address + "]:" + std::to_string(ep.port);
  }
  return ep.address + ":" + std::to_string(ep.port);
}

}  // namespace

std::vector<http::header> default_security_headers() {
  return {
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "strict-origin-when-cross-origin"},
      {"X-Frame-Options", "DENY"},
  };
}

gg::status check_admin_exposure(std::string_view admin_address,
                                const http::admin_access_options& admin) {
  if (!admin.token.empty() || !admin.password.empty()) return {};
  auto hp = parse_host_port(admin_address);
  if (!hp) return hp.error();
  if (is_loopback_host(hp->host)) return {};
  return fail(errc::config,
              "--admin-listen " + std::string(admin_address) +
                  " is reachable from other machines, but no admin credentials are set: set "
                  "--admin-token or --admin-password (GADGETGROVE_ADMIN_TOKEN, "
                  "GADGETGROVE_ADMIN_PASSWORD), or listen on 127.0.0.1");
}

listeners_stage::listeners_stage(boost::asio::io_context& ioc, std::string public_address,
                                 std::string admin_address,
                                 std::shared_ptr<http::router> public_routes,
                                 std::shared_ptr<http::router> admin_routes,
                                 std::vector<std::string> depends, http::admin_access_options admin,
                                 metrics::registry* metrics)
    : ioc_(ioc),
      public_address_(std::move(public_address)),
      admin_address_(std::move(admin_address)),
      public_routes_(std::move(public_routes)),
      admin_routes_(std::move(admin_routes)),
      depends_(std::move(depends)),
      admin_access_(std::make_shared<const http::admin_access>(std::move(admin))),
      metrics_(metrics) {
  http::add_csrf_route(*admin_routes_, admin_access_);
}

gg::status listeners_stage::start() {
  if (auto st = check_admin_exposure(admin_address_, admin_access_->options()); !st) return st;
  auto make = [&](const std::string& name, const std::string& address,
                  std::shared_ptr<http::router> routes,
                  std::unique_ptr<http::server>& out) -> gg::status {
    auto hp = parse_host_port(address);
    if (!hp) return hp.error();
    http::server_options opts;
    opts.name = name;
    opts.host = hp->host;
    opts.port = hp->port;
    opts.default_headers = default_security_headers();
    opts.max_connections = name == "public" ? caps_.first : caps_.second;
    opts.metrics = metrics_;
    if (name == "admin") {
      opts.guard = [access = admin_access_](const http::request& req) {
        return access->check(req);
      };
    }
    auto srv = std::make_unique<http::server>(ioc_, std::move(opts), std::move(routes));
    auto ep = srv->listen();
    if (!ep) {
      return fail(ep.error().code, "--" +
                                       std::string(name == "public" ? "listen" : "admin-listen") +
                                       " " + address + ": " + ep.error().message);
    }
    srv->start();
    log.info("listening", {{"listener", name},
                           {"address", format_endpoint(*ep)},
                           {"max_connections", static_cast<std::uint64_t>(opts.max_connections)}});
    out = std::move(srv);
    return {};
  };
  if (!public_address_.empty()) {
    if (auto st = make("public", public_address_, public_routes_, public_); !st) return st;
  }
  if (auto st = make("admin", admin_address_, admin_routes_, admin_); !st) {
    if (public_) public_->stop();
    return st;
  }
  return {};
}

void listeners_stage::request_stop() {
  stopping_ = true;
  if (public_) public_->stop();
  if (admin_) admin_->stop();
}

gg::status listeners_stage::drain(gg::deadline until) {
  gg::status result;
  for (auto* srv : {public_.get(), admin_.get()}) {
    if (srv == nullptr) continue;
    if (auto st = srv->drain(until); !st) result = st;
  }
  return result;
}

gg::health listeners_stage::health() const {
  if (stopping_) return {health_state::stopped, "shutting down"};
  if ((!public_ && !public_address_.empty()) || !admin_) {
    return {health_state::starting, "not listening yet"};
  }
  return {health_state::up, {}};
}

std::string listeners_stage::public_endpoint() const {
  auto ep = public_ ? public_->local_endpoint() : std::nullopt;
  return ep ? format_endpoint(*ep) : std::string{};
}

std::string listeners_stage::admin_endpoint() const {
  auto ep = admin_ ? admin_->local_endpoint() : std::nullopt;
  return ep ? format_endpoint(*ep) : std::string{};
}

}  // namespace gg::http
