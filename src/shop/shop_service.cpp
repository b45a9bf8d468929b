#include <gadgetgrove/shop/shop_service.hpp>

#include <gadgetgrove/core/host_port.hpp>
#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/synthetic_marker.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/http/request.hpp>
#include <gadgetgrove/http/responder.hpp>
#include <gadgetgrove/http/response.hpp>
#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/http/static_assets.hpp>
#include <gadgetgrove/pg/pool.hpp>
#include "catalog_writer.hpp"
#include "shop_json.hpp"
#include "static_assets.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace gg::shop {
namespace {

const gg::logger log{"shop"};

constexpr std::string_view cookie_name = "gadgetgrove_session";
constexpr std::string_view content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
constexpr std::string_view static_prefix = "/static/";
constexpr auto catalog_acquire_timeout = std::chrono::seconds{5};
constexpr auto catalog_retry_first = std::chrono::seconds{1};
constexpr auto catalog_retry_max = std::chrono::seconds{30};

/// Every shop response is built fresh and carries none of these yet, so they are appended
/// without the name scan set_header() does.
void add_security_headers(http::response& r) {
  r.headers.reserve(r.headers.size() + 6);
  r.add_header("Content-Security-Policy", std::string{content_security_policy});
  r.add_header("X-Content-Type-Options", "nosniff");
  r.add_header("X-Frame-Options", "DENY");
  r.add_header("Referrer-Policy", "strict-origin-when-cross-origin");
}

http::response api_json(unsigned status, std::string body) {
  auto r = http::response::json(status, std::move(body));
  add_security_headers(r);
  r.set_header("Cache-Control", "no-store");
  return r;
}

/// {"status":"error","error":<code>,"reason":<text>}: `error` is stable for programs, `reason`
/// is for people.
http::response api_error(unsigned status, std::string_view code, std::string_view reason) {
  namespace json = boost::json;
  return api_json(status, json::serialize(json::object{
                              {"status", "error"},
                              {"error", json::string_view(code.data(), code.size())},
                              {"reason", json::string_view(reason.data(), reason.size())}}));
}

http::response not_found() { return api_error(404, "not found", "no such page or resource"); }

http::response redirect(std::string location) {
  auto r = http::response::redirect(307, std::move(location));
  add_security_headers(r);
  r.set_header("Cache-Control", "no-store");
  return r;
}

/// Same-origin check for state-changing requests: a browser sends Origin on cross-site POSTs,
/// and it must name the host the request was sent to. Requests without Origin (curl, older
/// browsers on same-origin requests) pass; SameSite=Lax keeps the cookie off cross-site posts.
bool cross_site(const http::request& req) {
  const auto origin = req.header("Origin");
  if (!origin) return false;
  const auto host = req.header("Host");
  const auto scheme_end = origin->find("://");
  if (!host || scheme_end == std::string_view::npos) return true;
  return !http::iequals(origin->substr(scheme_end + 3), *host);
}

bool json_content(const http::request& req) {
  const auto type = req.header("Content-Type");
  if (!type) return false;
  const std::string_view media = type->substr(0, type->find(';'));
  std::string_view trimmed = media;
  while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
  return http::iequals(trimmed, "application/json");
}

std::string iso_ms(sys_us t) {
  std::string out(gg::iso8601_ms_size, '\0');
  gg::format_iso8601_ms(t, out.data());
  return out;
}

std::string session_json(const session_view& s, sys_us now, bool created) {
  std::string out = R"({"session_id":)";
  gg::append_json_string(out, s->id);
  out += R"(,"user":)";
  append_user_json(out, s->user);
  out += R"(,"created_at":")";
  out += iso_ms(s->created);
  out += R"(","expires_at":")";
  out += iso_ms(s.expires);
  out += R"(","expires_in":)";
  out += std::to_string(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::seconds>(s.expires - now).count()));
  out += R"(,"new":)";
  out += created ? "true" : "false";
  out.push_back('}');
  return out;
}

}  // namespace

/// Everything the handlers need that is computed once: the API's product lists and the
/// metric handles.
struct shop_service::routes {
  explicit routes(shop_service& s) : svc(s) {
    std::vector<const product*> all;
    for (const auto& p : s.catalog_.products()) all.push_back(&p);
    all_products = products_json(all);
    for (const auto& c : categories()) {
      by_category.emplace(std::string{c.slug}, products_json(s.catalog_.in_category(c.slug)));
    }
  }

  std::string session_cookie(std::string_view token) const {
    std::string c{cookie_name};
    c.push_back('=');
    c += token;
    c += "; Path=/; Max-Age=";
    c += std::to_string(svc.sessions_.ttl().count());
    c += "; HttpOnly; SameSite=Lax";
    if (svc.config_.cookie_secure) c += "; Secure";
    return c;
  }

  std::string cleared_cookie() const {
    std::string c{cookie_name};
    c += "=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax";
    if (svc.config_.cookie_secure) c += "; Secure";
    return c;
  }

  void page(const http::request& req, http::responder res, const rendered_page& p) const {
    // Revalidate on every visit: the page is small and names the current asset versions.
    auto r = http::validated_response(req, "text/html; charset=utf-8", p.html, p.etag, "no-cache");
    add_security_headers(r);
    std::move(res).send(std::move(r));
  }

  void static_file(const http::request& req, http::responder res) const {
    std::string_view path = req.path();
    path.remove_prefix(static_prefix.size());
    const static_asset* a = path == "index.html" ? nullptr : find_static_asset(path);
    if (a == nullptr) {
      std::move(res).send(not_found());
      return;
    }
    auto r = http::asset_response(
        req, *a, "public, max-age=" + std::to_string(svc.config_.static_max_age.count()));
    add_security_headers(r);
    std::move(res).send(std::move(r));
  }

  void products(const http::request& req, http::responder res) const {
    const auto key = req.query_param("category");
    if (!key || key->empty()) {
      std::move(res).send(api_json(200, all_products));
      return;
    }
    // Unknown categories filter to nothing (docs/reference/behaviour.md §1).
    const category_info* c = find_category(*key);
    const auto it = c == nullptr ? by_category.end() : by_category.find(c->slug);
    std::move(res).send(
        api_json(200, it == by_category.end() ? std::string{R"({"products":[]})"} : it->second));
  }

  void get_session(const http::request& req, http::responder res) const {
    std::optional<session_view> s;
    if (const auto token = req.cookie(cookie_name)) s = svc.sessions_.touch(*token);
    const bool created = !s;
    if (created) {
      s = svc.config_.session_limit_loopback || !gg::is_loopback_host(req.remote_address)
              ? svc.sessions_.create_for(req.remote_address)
              : std::optional<session_view>{svc.sessions_.create()};
    }
    if (!s) {
      auto r = api_error(429, "too many new sessions",
                         "too many new sessions from your address; please retry later");
      r.set_header("Retry-After", "60");
      std::move(res).send(std::move(r));
      return;
    }
    auto r = api_json(200, session_json(*s, svc.sessions_.now(), created));
    r.add_header("Set-Cookie", session_cookie((*s)->token));
    std::move(res).send(std::move(r));
  }

  void refresh_session(const http::request& req, http::responder res) const {
    if (cross_site(req)) {
      std::move(res).send(api_error(403, "cross-site request", "cross-site requests are refused"));
      return;
    }
    std::optional<session_view> s;
    if (const auto token = req.cookie(cookie_name)) s = svc.sessions_.touch(*token);
    if (!s) {
      auto r = api_error(400, "no session", "there is no active session to refresh");
      r.add_header("Set-Cookie", cleared_cookie());
      std::move(res).send(std::move(r));
      return;
    }
    auto r = api_json(200, session_json(*s, svc.sessions_.now(), false));
    r.add_header("Set-Cookie", session_cookie((*s)->token));
    std::move(res).send(std::move(r));
  }

  void end_session(const http::request& req, http::responder res) const {
    if (cross_site(req)) {
      std::move(res).send(api_error(403, "cross-site request", "cross-site requests are refused"));
      return;
    }
    std::optional<session_view> s;
    if (const auto token = req.cookie(cookie_name)) s = svc.sessions_.end(*token);
    http::response r;
    if (!s) {
      r = api_error(400, "no session", "there is no active session to end");
    } else {
      r = api_json(200, boost::json::serialize(
                            boost::json::object{{"status", "ended"}, {"session_id", (*s)->id}}));
    }
    r.add_header("Set-Cookie", cleared_cookie());
    std::move(res).send(std::move(r));
  }

  void checkout(http::request&& req, http::responder res) const;

  void fallback(const http::request& req, http::responder res) const {
    const bool get = req.method == http::verb::get || req.method == http::verb::head;
    const std::string path = http::percent_decode(req.path(), false);
    if (!get || path == "/api" || path.starts_with("/api/") ||
        path.find('.') != std::string::npos) {
      std::move(res).send(not_found());
      return;
    }
    page(req, std::move(res), svc.pages_.home());
  }

  shop_service& svc;
  std::string all_products;
  std::map<std::string, std::string, std::less<>> by_category;
  metrics::counter& checkout_success = checkout_counter("success");
  metrics::counter& checkout_declined = checkout_counter("declined");
  metrics::counter& checkout_invalid = checkout_counter("invalid");
  metrics::counter& checkout_unrecorded = checkout_counter("unrecorded");
  metrics::counter& catalog_writes_ok = catalog_write_counter("ok");
  metrics::counter& catalog_writes_failed = catalog_write_counter("error");

 private:
  metrics::counter& checkout_counter(std::string outcome) {
    return svc.metrics_registry().get_counter("gadgetgrove_shop_checkouts_total",
                                              "Checkouts answered, by outcome",
                                              {{"outcome", std::move(outcome)}});
  }
  metrics::counter& catalog_write_counter(std::string result) {
    return svc.metrics_registry().get_counter("gadgetgrove_shop_catalog_writes_total",
                                              "Attempts to write the catalog to the database",
                                              {{"result", std::move(result)}});
  }
};

namespace {

/// Counts one checkout in flight under `mutex`; the last one out wakes drain().
struct in_flight_slot {
  in_flight_slot(std::mutex& m, std::condition_variable& cv, std::int64_t& n)
      : mutex(m), idle(cv), count(n) {
    std::lock_guard lock(mutex);
    ++count;
  }
  ~in_flight_slot() {
    std::lock_guard lock(mutex);
    if (--count == 0) idle.notify_all();
  }
  in_flight_slot(const in_flight_slot&) = delete;
  in_flight_slot& operator=(const in_flight_slot&) = delete;

  std::mutex& mutex;
  std::condition_variable& idle;
  std::int64_t& count;
};

/// One checkout waiting for its order event to be recorded. Destroying it (answered or not)
/// releases its slot in the in-flight count drain() waits on.
struct pending_order {
  pending_order(std::mutex& m, std::condition_variable& cv, std::int64_t& n, http::responder r)
      : slot(m, cv, n), res(std::move(r)) {}
  pending_order(const pending_order&) = delete;
  pending_order& operator=(const pending_order&) = delete;

  in_flight_slot slot;
  http::responder res;
  std::string order_id;
  std::string token;  // the session cookie, when the order had a session
  std::optional<std::string_view> decline;
  bool end_session = false;
  order_totals totals;
};

/// The properties of the order's server event: what was bought, for how much, and (for a
/// declined payment) why it failed, and the synthetic mark for a simulated shopper's order. No
/// contact data: the browser's identify event has that.
std::string order_properties(const pending_order& order, const checkout_request& req,
                             const std::optional<session_view>& s, bool synthetic) {
  boost::json::array items;
  std::int64_t units = 0;
  for (const order_line& line : req.lines) {
    const product& p = *line.item;
    items.push_back(boost::json::object{{"product_id", p.id},
                                        {"name", p.name},
                                        {"brand", p.brand},
                                        {"category", p.category},
                                        {"price", dollars(p.price_cents)},
                                        {"quantity", line.quantity}});
    units += line.quantity;
  }
  boost::json::object props{
      {"order_id", order.order_id},
      {"items", std::move(items)},
      {"item_count", units},
      {"subtotal", dollars(order.totals.subtotal_cents)},
      {"shipping", dollars(order.totals.shipping_cents)},
      {"tax", dollars(order.totals.tax_cents)},
      {"total", dollars(order.totals.total_cents)},
      {"currency", "USD"},
  };
  if (req.client_total) {
    // parse_checkout bounds the total to 0..max_client_total, so the cents fit an int64.
    props["client_total"] = dollars(std::llround(*req.client_total * 100.0));
  }
  if (order.decline) props["reason"] = *order.decline;
  if (s) props["session_id"] = (*s)->id;
  if (synthetic) props[synthetic_property] = true;
  return json_text(props, shop_decimals);
}

}  // namespace

void shop_service::routes::checkout(http::request&& req, http::responder res) const {
  if (cross_site(req)) {
    checkout_invalid.inc();
    std::move(res).send(api_error(403, "cross-site request", "cross-site requests are refused"));
    return;
  }
  if (!json_content(req)) {
    checkout_invalid.inc();
    std::move(res).send(
        api_error(415, "unsupported media type", "the body must be application/json"));
    return;
  }
  if (svc.stopping_.load() || !svc.submit_) {
    checkout_unrecorded.inc();
    auto r = api_error(503, "unavailable", "orders cannot be taken right now, please retry");
    r.set_header("Retry-After", "1");
    std::move(res).send(std::move(r));
    return;
  }
  auto parsed = parse_checkout(req.body, svc.catalog_);
  if (!parsed) {
    checkout_invalid.inc();
    std::move(res).send(api_error(400, "invalid checkout", parsed.error().message));
    return;
  }

  std::optional<session_view> s;
  const auto token = req.cookie(cookie_name);
  if (token) s = svc.sessions_.touch(*token);

  auto order = std::make_shared<pending_order>(svc.activity_mutex_, svc.activity_idle_,
                                               svc.checkouts_in_flight_, std::move(res));
  order->order_id = gg::uuid_v7().to_string();
  if (s) order->token = (*s)->token;
  order->decline = svc.payments_.charge();
  order->end_session = parsed->end_session;
  order->totals = compute_totals(parsed->lines);
  ingest::server_event event;
  event.event = order->decline ? "order_failed" : "order_completed";
  if (s) {
    event.session_id = (*s)->id;
    event.user_id = (*s)->user.id;
  }
  // A simulated shopper's checkout (the traffic simulator marks its requests): the order's
  // event is marked too, so the models can leave it out with the shopper's own events.
  const bool synthetic = req.header(synthetic_header) == std::optional<std::string_view>{"1"};
  event.properties_json = order_properties(*order, *parsed, s, synthetic);
  event.client_ip = req.remote_address;
  event.user_agent = req.header("User-Agent").value_or("");

  auto done = [this, order](gg::result<gg::uuid> recorded) {
    http::response r;
    if (!recorded) {
      checkout_unrecorded.inc();
      log.warn("order could not be recorded",
               {{"order_id", order->order_id}, {"error", recorded.error().message}});
      r = api_error(503, "unavailable", "the order could not be recorded, please retry");
      r.set_header("Retry-After", "1");
    } else if (order->decline) {
      checkout_declined.inc();
      r = api_json(400, boost::json::serialize(boost::json::object{{"status", "error"},
                                                                   {"error", "payment failed"},
                                                                   {"reason", *order->decline},
                                                                   {"order_id", order->order_id}}));
    } else {
      checkout_success.inc();
      bool ended = false;
      if (order->end_session && !order->token.empty()) {
        ended = svc.sessions_.end(order->token).has_value();
      }
      std::string body =
          json_text(boost::json::object{{"status", "success"},
                                        {"order_id", order->order_id},
                                        {"session_ended", ended},
                                        {"subtotal", dollars(order->totals.subtotal_cents)},
                                        {"shipping", dollars(order->totals.shipping_cents)},
                                        {"tax", dollars(order->totals.tax_cents)},
                                        {"total", dollars(order->totals.total_cents)}},
                    shop_decimals);
      r = api_json(200, std::move(body));
      if (ended) r.add_header("Set-Cookie", cleared_cookie());
    }
    std::move(order->res).send(std::move(r));
  };

  try {
    svc.submit_(event, std::move(done));
  } catch (const std::exception& e) {
    // The submit function broke its contract; answer rather than leave the client waiting.
    checkout_unrecorded.inc();
    log.error("order event submission threw", {{"error", e.what()}});
    if (order->res) {
      auto r = api_error(503, "unavailable", "the order could not be recorded, please retry");
      r.set_header("Retry-After", "1");
      std::move(order->res).send(std::move(r));
    }
  }
}

namespace {

std::string_view index_template() {
  const static_asset* a = find_static_asset("index.html");
  return a != nullptr ? a->body : std::string_view{"<!doctype html><title>{{title}}</title>"};
}

}  // namespace

shop_service::shop_service(shop_config config, event_submit submit, pg::pool* pool,
                           std::vector<std::string> depends_on)
    : shop_service(
          std::move(config), std::move(submit),
          pool != nullptr ? std::make_shared<pg::fixed_database>(std::string{}, pool) : nullptr,
          std::move(depends_on)) {}

shop_service::shop_service(shop_config config, event_submit submit,
                           std::shared_ptr<const pg::database_source> database,
                           std::vector<std::string> depends_on)
    : config_(std::move(config)),
      submit_(std::move(submit)),
      database_(std::move(database)),
      depends_on_(std::move(depends_on)),
      catalog_(catalog::generate(config_.catalog_seed)),
      pages_(catalog_, index_template()),
      sessions_(session_store_options{config_.session_cap, config_.session_ttl,
                                      config_.session_fresh_per_address, config_.clock,
                                      &metrics_registry()}),
      payments_(config_.checkout_failure_rate, config_.checkout_seed),
      dashboard_(dashboard_redirect::fixed(config_.dashboard_url)) {
  routes_ = std::make_shared<routes>(*this);
}

metrics::registry& shop_service::metrics_registry() const noexcept {
  return config_.metrics != nullptr ? *config_.metrics : metrics::global();
}

shop_service::~shop_service() {
  stopping_.store(true);
  // A pass still running (its job not stopped by the owner) must not outlive the service.
  std::unique_lock lock(activity_mutex_);
  activity_idle_.wait(lock, [this] { return !maintaining_; });
}

void shop_service::add_routes(http::router& r) {
  const auto rt = routes_;
  using http::verb;
  const auto page = [rt](auto select) {
    return [rt, select](http::request&& req, http::responder res) {
      rt->page(req, std::move(res), select(req));
    };
  };
  r.add(verb::get, "/",
        page([rt](const http::request&) -> const rendered_page& { return rt->svc.pages_.home(); }));
  r.add(verb::get, "/category/{slug}", page([rt](const http::request& req) -> const rendered_page& {
          return rt->svc.pages_.category(req.path_param("slug").value_or(""));
        }));
  r.add(verb::get, "/category/{slug}/product/{id}",
        page([rt](const http::request& req) -> const rendered_page& {
          return rt->svc.pages_.product(req.path_param("id").value_or(""));
        }));
  r.add(verb::get, "/shop",
        [](http::request&&, http::responder res) { std::move(res).send(redirect("/")); });
  r.add(verb::get, "/analytics", [this](http::request&& req, http::responder res) {
    dashboard_redirect target;
    {
      std::lock_guard lock(dashboard_mutex_);
      target = dashboard_;
    }
    auto url = dashboard_location(target, req.header("Host"));
    if (!url) {
      std::move(res).send(api_error(400, "bad request",
                                    "/analytics needs a Host header naming this server (a host "
                                    "name or address, optionally with a port) to lead to the "
                                    "dashboard; or set --dashboard-url"));
      return;
    }
    std::move(res).send(redirect(std::move(*url)));
  });
  r.add_prefix(
      verb::get, std::string{static_prefix},
      [rt](http::request&& req, http::responder res) { rt->static_file(req, std::move(res)); });
  r.add(verb::get, "/api/products",
        [rt](http::request&& req, http::responder res) { rt->products(req, std::move(res)); });
  r.add(verb::get, "/api/session",
        [rt](http::request&& req, http::responder res) { rt->get_session(req, std::move(res)); });
  r.add(verb::post, "/api/session/refresh", [rt](http::request&& req, http::responder res) {
    rt->refresh_session(req, std::move(res));
  });
  r.add(verb::post, "/api/session/end",
        [rt](http::request&& req, http::responder res) { rt->end_session(req, std::move(res)); });
  r.add(verb::post, "/checkout", [rt](http::request&& req, http::responder res) {
    rt->checkout(std::move(req), std::move(res));
  });
  r.set_fallback(
      [rt](http::request&& req, http::responder res) { rt->fallback(req, std::move(res)); });
}

status shop_service::start() {
  if (started_.load()) return {};
  log.info("shop catalog generated",
           {{"catalog_seed", catalog_.seed()}, {"products", catalog_.products().size()}});
  stopping_.store(false);
  pool_.store(database_ ? database_->pool() : nullptr);
  const auto now = std::chrono::steady_clock::now();
  next_catalog_write_ = now;
  catalog_backoff_ = catalog_retry_first;
  next_sweep_ = now + std::max(config_.sweep_interval, std::chrono::milliseconds{10});
  started_.store(true);
  return {};
}

void shop_service::request_stop() { stopping_.store(true); }

status shop_service::drain(deadline until) {
  request_stop();
  std::unique_lock lock(activity_mutex_);
  if (!activity_idle_.wait_until(lock, until,
                                 [this] { return checkouts_in_flight_ == 0 && !maintaining_; })) {
    std::string left;
    if (checkouts_in_flight_ > 0) {
      left =
          std::to_string(checkouts_in_flight_) + " checkouts still waiting for their order event";
    }
    if (maintaining_) {
      if (!left.empty()) left += "; ";
      left += "a catalog write still in progress";
    }
    return gg::fail(errc::timeout, std::move(left));
  }
  return {};
}

gg::health shop_service::health() const {
  if (stopping_.load()) return {health_state::stopped, "stopping"};
  if (pool_.load() != nullptr && !catalog_written_.load() && catalog_failed_.load()) {
    return {health_state::degraded, "catalog not yet written to analytics.dim_products; retrying"};
  }
  return {health_state::up, {}};
}

void shop_service::set_dashboard_url(std::string url) {
  set_dashboard_redirect(dashboard_redirect::fixed(std::move(url)));
}

void shop_service::set_dashboard_redirect(dashboard_redirect target) {
  std::lock_guard lock(dashboard_mutex_);
  dashboard_ = std::move(target);
}

std::chrono::milliseconds shop_service::maintenance_interval() const noexcept {
  return std::clamp(config_.sweep_interval, std::chrono::milliseconds{10},
                    std::chrono::milliseconds{catalog_retry_first});
}

status shop_service::maintain_once(std::stop_token stop) {
  {
    std::lock_guard lock(activity_mutex_);
    if (maintaining_ || !started_.load() || stopping_.load()) return {};
    maintaining_ = true;
  }
  struct pass_end {
    shop_service& svc;
    ~pass_end() {
      std::lock_guard lock(svc.activity_mutex_);
      svc.maintaining_ = false;
      svc.activity_idle_.notify_all();
    }
  } end_of_pass{*this};

  using clock = std::chrono::steady_clock;
  pg::pool* const pool = pool_.load();
  if (pool != nullptr && !catalog_written_.load() && clock::now() >= next_catalog_write_) {
    auto& writes_ok = routes_->catalog_writes_ok;
    auto& writes_failed = routes_->catalog_writes_failed;
    gg::status st = [&]() -> gg::status {
      auto lease = pool->acquire(catalog_acquire_timeout);
      if (!lease) return lease.error();
      auto written = write_catalog(**lease, catalog_);
      if (!written && !(*lease)->is_open()) lease->discard();
      return written;
    }();
    if (st) {
      writes_ok.inc();
      catalog_written_.store(true);
      log.info("catalog written to analytics.dim_products",
               {{"products", catalog_.products().size()}, {"catalog_seed", catalog_.seed()}});
    } else {
      writes_failed.inc();
      catalog_failed_.store(true);
      log.warn("catalog not written to the database; retrying",
               {{"error", st.error().message},
                {"retry_in_ms",
                 std::chrono::duration_cast<std::chrono::milliseconds>(catalog_backoff_).count()}});
      next_catalog_write_ = clock::now() + catalog_backoff_;
      catalog_backoff_ = std::min(catalog_backoff_ * 2,
                                  std::chrono::duration_cast<clock::duration>(catalog_retry_max));
    }
  }
  if (stop.stop_requested() || stopping_.load()) return {};
  if (clock::now() >= next_sweep_) {
    const std::size_t swept = sessions_.sweep();
    if (swept > 0) log.debug("expired sessions swept", {{"sessions", swept}});
    next_sweep_ = clock::now() + std::max(config_.sweep_interval, std::chrono::milliseconds{10});
  }
  return {};
}

}  // namespace gg::shop
