#include "session_driver.hpp"

#include "answer_scan.hpp"

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/json_text.hpp>
#include <gadgetgrove/core/random.hpp>
#include <gadgetgrove/core/synthetic_marker.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/shop/pricing.hpp>
#include <gadgetgrove/traffic/session_profile.hpp>
#include "event_writer.hpp"

#include <algorithm>
#include <charconv>

namespace gg::traffic::detail {
namespace {

constexpr std::string_view home_title = "GadgetGrove \xc2\xb7 Gadgets worth keeping";
constexpr std::string_view title_suffix = " \xc2\xb7 GadgetGrove";

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

bool icontains(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    bool same = true;
    for (std::size_t j = 0; j < needle.size() && same; ++j) {
      char c = hay[i + j];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      same = c == needle[j];
    }
    if (same) return true;
  }
  return false;
}

}  // namespace

id_source::id_source()
    : rng_([] {
        std::uint64_t seed = 0;
        secure_random(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&seed), sizeof seed));
        return seed;
      }()) {}

void id_source::next(char* out36) noexcept {
  const std::uint64_t hi = rng_.next();
  uuid_v4_from_bits(hi, rng_.next()).write(out36);
}

session_driver::session_driver(const driver_settings& settings,
                               std::shared_ptr<const product_list> products, session_plan plan,
                               id_source& ids)
    : settings_(settings), products_(std::move(products)), plan_(std::move(plan)), ids_(ids) {
  // Used until the shop names the session (and kept if it never does, e.g. when it is down).
  session_id_.resize(36);
  ids_.next(session_id_.data());
  last_url_ = std::string(entry_referrers()[plan_.referrer % entry_referrers().size()]);
}

void session_driver::begin_step(sys_us client_time) {
  client_time_ = client_time;
  plan_requests();
}

void session_driver::plan_requests() {
  request_count_ = 0;
  position_ = 0;
  if (finished()) return;
  auto add = [this](request_kind k) { requests_[request_count_++] = k; };
  const session_step& s = plan_.steps[step_];
  switch (s.kind) {
    case step_kind::home:
      if (settings_.page_loads) add(request_kind::page);
      add(request_kind::session);
      add(request_kind::events);
      break;
    case step_kind::category:
      if (settings_.page_loads) {
        add(request_kind::page);
        add(request_kind::products);
      }
      add(request_kind::events);
      break;
    case step_kind::product:
      if (settings_.page_loads) add(request_kind::page);
      add(request_kind::events);
      break;
    case step_kind::add_to_cart:
    case step_kind::begin_checkout:
      add(request_kind::events);
      break;
    case step_kind::checkout:
      if (plan_.checkout == checkout_plan::purchase) add(request_kind::checkout);
      add(request_kind::events);
      break;
    case step_kind::logout:
      add(request_kind::events);
      add(request_kind::session_end);
      break;
  }
}

void session_driver::advance() {
  if (position_ >= request_count_) {
    ++step_;
    position_ = 0;
    request_count_ = 0;
  }
}

void session_driver::write_head(std::string& out, std::string_view method, std::string_view target,
                                std::size_t body_size, bool json_body) {
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.append(" HTTP/1.1\r\nHost: ");
  out.append(settings_.host);
  out.append("\r\nUser-Agent: ");
  out.append(user_agents()[plan_.user_agent % user_agents().size()]);
  out.append(json_body || method == "POST" ? "\r\nAccept: application/json" : "\r\nAccept: */*");
  if (method == "POST") {
    out.append("\r\nOrigin: ");
    out.append(settings_.origin);
    // The shop carries it into the order events it records for a checkout (its events are
    // not in this body, so the body's marks cannot reach them).
    out.append("\r\n");
    out.append(synthetic_header);
    out.append(": 1");
  }
  if (json_body) out.append("\r\nContent-Type: application/json");
  if (!cookies_.empty()) {
    out.append("\r\nCookie: ");
    bool first = true;
    for (const auto& [name, value] : cookies_) {
      if (!first) out.append("; ");
      first = false;
      out.append(name);
      out.push_back('=');
      out.append(value);
    }
  }
  if (method == "POST") {
    out.append("\r\nContent-Length: ");
    append_uint(out, body_size);
  }
  out.append("\r\n\r\n");
}

std::int64_t session_driver::cart_total_cents() const noexcept {
  std::int64_t subtotal = 0;
  const auto items = products_->products();
  for (const auto& [index, quantity] : cart_) subtotal += items[index].price_cents * quantity;
  return shop::price_order(subtotal).total_cents;
}

std::int64_t session_driver::cart_units() const noexcept {
  std::int64_t n = 0;
  for (const auto& line : cart_) n += line.second;
  return n;
}

request_kind session_driver::write_request(std::string& out) {
  out.clear();
  if (request_count_ == 0) plan_requests();
  const request_kind kind = requests_[position_++];
  last_kind_ = kind;
  request_events_ = 0;
  const session_step& s = plan_.steps[step_];
  const auto cats = products_->categories();
  const auto items = products_->products();

  path_.clear();
  switch (s.kind) {
    case step_kind::category:
      path_ = "/category/" + cats[s.category].slug;
      break;
    case step_kind::product:
      path_ = "/category/" + items[s.product].category_slug + "/product/" + items[s.product].id;
      break;
    default:
      path_ = "/";
  }

  switch (kind) {
    case request_kind::page:
      write_head(out, "GET", path_, 0, false);
      break;
    case request_kind::session:
      write_head(out, "GET", "/api/session", 0, false);
      break;
    case request_kind::products: {
      scratch_ = "/api/products?category=";
      scratch_ += cats[s.category].slug;
      write_head(out, "GET", scratch_, 0, false);
      break;
    }
    case request_kind::events:
      write_event_request(out);
      break;
    case request_kind::checkout: {
      scratch_.clear();
      scratch_.append(R"({"name":)");
      const bool known = plan_.known_user();
      append_json_string(scratch_, known                ? std::string_view{plan_.user_name}
                                   : shop_name_.empty() ? std::string_view{"Guest Shopper"}
                                                        : std::string_view{shop_name_});
      scratch_.append(R"(,"email":)");
      append_json_string(scratch_, known                 ? std::string_view{plan_.user_email}
                                   : shop_email_.empty() ? std::string_view{"guest@example.com"}
                                                         : std::string_view{shop_email_});
      scratch_.append(R"(,"items":[)");
      bool first = true;
      for (const auto& [index, quantity] : cart_) {
        if (!first) scratch_.push_back(',');
        first = false;
        scratch_.append(R"({"product_id":)");
        append_json_string(scratch_, items[index].id);
        scratch_.append(R"(,"quantity":)");
        append_uint(scratch_, quantity);
        scratch_.push_back('}');
      }
      scratch_.append(R"(],"total":)");
      append_money(scratch_, cart_total_cents());
      scratch_.append(plan_.end_session ? R"(,"end_session":true})" : R"(,"end_session":false})");
      write_head(out, "POST", "/checkout", scratch_.size(), true);
      out.append(scratch_);
      break;
    }
    case request_kind::session_end:
      write_head(out, "POST", "/api/session/end", 0, false);
      break;
  }
  return kind;
}

void session_driver::write_event_request(std::string& out) {
  scratch_.clear();
  write_events(scratch_);
  const bool batch = message_ids_.size() > 1;
  request_events_ = static_cast<std::uint32_t>(message_ids_.size());
  write_head(out, "POST", batch ? "/api/analytics/batch" : "/api/analytics", scratch_.size(), true);
  out.append(scratch_);
}

void session_driver::write_events(std::string& body) {
  const session_step& s = plan_.steps[step_];
  const auto cats = products_->categories();
  const auto items = products_->products();
  const std::string_view user =
      plan_.known_user() ? std::string_view{plan_.user_id} : std::string_view{};

  std::size_t n = 0;
  switch (s.kind) {
    case step_kind::home:
      n = plan_.known_user() ? 2 : 1;
      break;
    case step_kind::category:
    case step_kind::product:
      n = 2;
      break;
    default:
      n = 1;
  }
  message_ids_.resize(n);
  for (auto& id : message_ids_) ids_.next(id.data());

  std::size_t i = 0;
  auto stamp = [&]() {
    return event_stamp{std::string_view(message_ids_[i].data(), 36), client_time_, session_id_,
                       user, true};
  };
  auto begin_event = [&]() {
    if (i > 0) body.push_back(',');
  };
  auto end_event = [&](std::size_t from) {
    if (settings_.record_events) {
      if (!recorded_.empty()) recorded_.push_back(',');
      recorded_.append(body, from, std::string::npos);
    }
    ++i;
  };
  auto page_view = [&](std::string_view title) {
    begin_event();
    const std::size_t from = body.size();
    std::string url = settings_.origin + path_;
    append_page_view(body, url, path_, title, last_url_, stamp());
    last_url_ = std::move(url);
    end_event(from);
  };
  auto custom = [&](std::string_view name, std::string_view props) {
    begin_event();
    const std::size_t from = body.size();
    append_custom_event(body, name, props, stamp());
    end_event(from);
  };

  if (n > 1) body.push_back('[');
  std::string props;
  switch (s.kind) {
    case step_kind::home:
      page_view(home_title);
      if (plan_.known_user()) {
        begin_event();
        const std::size_t from = body.size();
        append_identify(body, plan_.user_id, plan_.user_name, plan_.user_email, stamp());
        end_event(from);
      }
      break;
    case step_kind::category: {
      const auto& c = cats[s.category];
      page_view(c.name + std::string(title_suffix));
      props = R"({"category":)";
      append_json_string(props, c.name);
      props.push_back('}');
      custom("category_view", props);
      break;
    }
    case step_kind::product: {
      const auto& p = items[s.product];
      page_view(p.name + std::string(title_suffix));
      append_product_properties(props, p, 0);
      custom("product_view", props);
      break;
    }
    case step_kind::add_to_cart: {
      const auto& p = items[s.product];
      append_product_properties(props, p, s.quantity);
      auto line = std::find_if(cart_.begin(), cart_.end(),
                               [&](const auto& l) { return l.first == s.product; });
      if (line == cart_.end()) {
        cart_.emplace_back(s.product, s.quantity);
      } else {
        line->second += s.quantity;
      }
      custom("add_to_cart", props);
      break;
    }
    case step_kind::begin_checkout: {
      props = R"({"value":)";
      append_money(props, cart_total_cents());
      props.append(R"(,"currency":"USD","item_count":)");
      append_uint(props, static_cast<std::uint64_t>(cart_units()));
      props.append(R"(,"product_ids":[)");
      for (std::size_t k = 0; k < cart_.size(); ++k) {
        if (k > 0) props.push_back(',');
        append_json_string(props, items[cart_[k].first].id);
      }
      props.append("]}");
      custom("begin_checkout", props);
      break;
    }
    case step_kind::checkout: {
      const bool purchased = plan_.checkout == checkout_plan::purchase && checkout_ok_;
      if (purchased) {
        props = R"({"transaction_id":)";
        append_json_string(props, order_id_);
        props.append(R"(,"value":)");
        if (order_total_.empty()) {
          append_money(props, cart_total_cents());
        } else {
          props.append(order_total_);
        }
        props.append(R"(,"currency":"USD","item_count":)");
        append_uint(props, static_cast<std::uint64_t>(cart_units()));
        props.push_back('}');
        custom("purchase", props);
      } else {
        const std::string_view reason =
            plan_.checkout == checkout_plan::error
                ? checkout_error_reasons[plan_.error_reason % checkout_error_reasons.size()]
                : std::string_view{checkout_reason_};
        props = R"({"error":)";
        append_json_string(props, reason);
        props.append(R"(,"reason":)");
        append_json_string(props, reason);
        props.append(R"(,"value":)");
        append_money(props, cart_total_cents());
        props.push_back('}');
        custom("checkout_error", props);
      }
      break;
    }
    case step_kind::logout:
      custom("logout", "{}");
      break;
  }
  if (n > 1) body.push_back(']');
}

void session_driver::take_cookies(const std::vector<std::string_view>& set_cookies) {
  for (std::string_view c : set_cookies) {
    const auto semi = c.find(';');
    const std::string_view pair = c.substr(0, semi);
    const std::string_view attrs = semi == std::string_view::npos ? "" : c.substr(semi);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    const std::string_view name = pair.substr(0, eq);
    const std::string_view value = pair.substr(eq + 1);
    const bool removed = value.empty() || icontains(attrs, "max-age=0") ||
                         icontains(attrs, "expires=thu, 01 jan 1970");
    auto it = std::find_if(cookies_.begin(), cookies_.end(),
                           [&](const auto& kv) { return kv.first == name; });
    if (removed) {
      if (it != cookies_.end()) cookies_.erase(it);
    } else if (it != cookies_.end()) {
      it->second.assign(value);
    } else {
      cookies_.emplace_back(std::string(name), std::string(value));
    }
  }
}

std::uint32_t session_driver::acknowledge(unsigned status, std::string_view body, ack_sink* acks,
                                          std::uint32_t& rejected) {
  const auto n = static_cast<std::uint32_t>(message_ids_.size());
  if (status >= 400 && status < 500) {
    rejected += n;
    return 0;
  }
  if (status < 200 || status >= 300) return 0;

  auto ack = [&](std::string_view id) {
    if (acks != nullptr) acks->acknowledged(id);
  };
  const answer& reply = read_answer(body);
  if (reply.has_results) {
    std::uint32_t acked = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      if (i >= reply.results.size()) {
        rejected += n - i;
        break;
      }
      const answer_result& result = reply.results[i];
      if (result.success) {
        ack(result.event_id.empty() ? std::string_view(message_ids_[i].data(), 36)
                                    : result.event_id);
        ++acked;
      } else {
        ++rejected;
      }
    }
    return acked;
  }
  if (reply.status) {
    if (*reply.status != "success") {
      rejected += n;
      return 0;
    }
    if (n == 1) {
      ack(reply.event_id.value_or(std::string_view(message_ids_[0].data(), 36)));
      return 1;
    }
  }
  // A success without a body of ours (any 2xx of a plain endpoint): the events' own ids.
  for (const auto& id : message_ids_) ack(std::string_view(id.data(), 36));
  return n;
}

reply_outcome session_driver::on_reply(unsigned status, std::string_view body,
                                       const std::vector<std::string_view>& set_cookies,
                                       ack_sink* acks) {
  reply_outcome r;
  take_cookies(set_cookies);
  r.ok = status >= 200 && status < 400;
  switch (last_kind_) {
    case request_kind::session:
      if (r.ok) {
        const answer& reply = read_answer(body);
        if (reply.session_id && !reply.session_id->empty()) {
          session_id_ = std::string(*reply.session_id);
        }
        if (reply.user_name) shop_name_ = std::string(*reply.user_name);
        if (reply.user_email) shop_email_ = std::string(*reply.user_email);
      }
      break;
    case request_kind::events:
      r.acked = acknowledge(status, body, acks, r.rejected);
      break;
    case request_kind::checkout: {
      const answer& reply = read_answer(body);
      checkout_ok_ = status == 200 && reply.status == "success";
      if (checkout_ok_) {
        order_id_ = std::string(reply.order_id.value_or(""));
        // Rewritten, shortest as append_money writes amounts: the server's text is not spliced
        // into the event as it came.
        order_total_.clear();
        if (reply.total) append_json_double(order_total_, *reply.total);
      } else {
        checkout_reason_ = reply.reason && !reply.reason->empty()
                               ? std::string(*reply.reason)
                               : "Unexpected answer (" + std::to_string(status) + ")";
        // A declined payment is the shop working as it should (a share of payments fail on
        // purpose), not a failed request.
        if (status == 400 && reply.error == "payment failed") r.ok = true;
      }
      break;
    }
    case request_kind::page:
    case request_kind::products:
    case request_kind::session_end:
      break;
  }
  advance();
  return r;
}

void session_driver::on_failure() {
  if (last_kind_ == request_kind::checkout) {
    checkout_ok_ = false;
    checkout_reason_ = "Network Error";
    return;
  }
  position_ = request_count_;
  advance();
}

}  // namespace gg::traffic::detail
