#pragma once
// Generated shop traffic for the benchmarks: planned sessions of the traffic session model (the
// generator behind serve's synthetic traffic, with its PRNG and seed) played into raw_data.* as
// the rows the tracker and the shop would have sent, through the loader's binary COPY encoder,
// and the catalog's analytics.dim_products rows. Header-only, shared by the benchmark programs;
// errors end the program with a message (a benchmark has nothing to recover).

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/prng.hpp>
#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/pg/copy_writer.hpp>
#include <gadgetgrove/shop/catalog.hpp>
#include "copy_encoder.hpp"
#include "event_row.hpp"
#include "event_writer.hpp"
#include "session_model.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gg::bench {

[[noreturn]] inline void bench_die(const std::string& what) {
  fmt::print(stderr, "benchmark: {}\n", what);
  std::exit(1);
}

template <class T>
T bench_check(gg::result<T> r, const char* what) {
  if (!r) bench_die(fmt::format("{}: {}", what, r.error().message));
  return std::move(*r);
}

inline void bench_check(const gg::status& s, const char* what) {
  if (!s) bench_die(fmt::format("{}: {}", what, s.error().message));
}

inline constexpr std::array<std::string_view, 5> raw_tables = {
    "page_views", "user_events", "ecommerce_events", "analytics_events", "event_queue"};
enum table_index : std::size_t { page_views = 0, user_events = 1, ecommerce_events = 2 };

inline std::string money(std::int64_t cents) {
  std::string out;
  gg::traffic::append_money(out, cents);
  return out;
}

inline gg::traffic::product_list products_of(const gg::shop::catalog& catalog) {
  std::vector<gg::traffic::product_entry> entries;
  for (const auto& p : catalog.products()) {
    gg::traffic::product_entry e;
    e.id = p.id;
    e.name = p.name;
    e.brand = p.brand;
    e.category = p.category;
    e.category_slug = p.category_slug;
    e.price_text = money(p.price_cents);
    e.price_cents = p.price_cents;
    e.in_stock = p.in_stock;
    entries.push_back(std::move(e));
  }
  return gg::traffic::product_list(std::move(entries));
}

inline void write_dim_products(gg::pg::connection& conn, const gg::shop::catalog& catalog,
                               std::uint64_t seed) {
  for (const auto& p : catalog.products()) {
    bench_check(
        conn.exec("insert into analytics.dim_products (product_id, name, brand, category, price,"
                  " color, rating, in_stock, features, catalog_seed) values ($1, $2, $3, $4,"
                  " $5::numeric, $6, $7::numeric / 10, $8, $9::jsonb, $10)"
                  " on conflict (product_id) do nothing",
                  p.id, p.name, p.brand, p.category, money(p.price_cents), p.color, p.rating_tenths,
                  p.in_stock, p.features_json.empty() ? std::string("{}") : p.features_json,
                  static_cast<std::int64_t>(seed)),
        "insert dim_products");
  }
}

/// Plays planned sessions of the traffic model into the raw tables, as the rows the tracker
/// and the shop would have produced for them (page views, identify, product and cart events,
/// begin_checkout, the shop's order_completed with the browser's purchase, checkout_error,
/// logout). One binary COPY per table; rows are streamed as they are made.
class traffic_rows {
 public:
  traffic_rows(const gg::traffic::product_list& products, std::uint64_t seed, gg::sys_us start,
               std::chrono::microseconds gap)
      : products_(products),
        model_(gg::traffic::session_profile{}, seed),
        ids_(seed ^ 0x5eed),
        next_start_(start),
        gap_(gap) {}

  /// Adds sessions until at least `events` rows were written. Blocks on the COPYs.
  std::uint64_t generate(const std::array<gg::pg::connection*, 5>& conns, std::uint64_t events) {
    std::string cols;
    for (std::size_t i = 0; i < gg::loader::event_columns.size(); ++i) {
      cols += i == 0 ? "" : ", ";
      cols += gg::loader::event_columns[i];
    }
    for (std::size_t t = 0; t < raw_tables.size(); ++t) {
      writers_[t].emplace(
          bench_check(conns[t]->copy_in("COPY raw_data." + std::string(raw_tables[t]) + " (" +
                                        cols + ") FROM STDIN WITH (FORMAT binary)"),
                      "COPY"));
      buffers_[t].clear();
      gg::loader::copy_encoder(buffers_[t]).header();
    }
    std::uint64_t written = 0;
    while (written < events) {
      written += session();
      for (std::size_t t = 0; t < raw_tables.size(); ++t) {
        if (buffers_[t].size() >= (4u << 20)) flush(t);
      }
    }
    for (std::size_t t = 0; t < raw_tables.size(); ++t) {
      gg::loader::copy_encoder(buffers_[t]).trailer();
      flush(t);
      bench_check(writers_[t]->finish(), "COPY finish");
      writers_[t].reset();
    }
    return written;
  }

  std::uint64_t sessions() const noexcept { return model_.planned(); }

 private:
  void flush(std::size_t t) {
    bench_check(writers_[t]->put(buffers_[t]), "COPY data");
    buffers_[t].clear();
  }

  std::string new_id() {
    gg::uuid id;
    const std::uint64_t a = ids_.next();
    const std::uint64_t b = ids_.next();
    for (int i = 0; i < 8; ++i) {
      id.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(a >> (8 * i));
      id.bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(b >> (8 * i));
    }
    id.bytes[6] = static_cast<std::uint8_t>(0x40 | (id.bytes[6] & 0x0f));
    id.bytes[8] = static_cast<std::uint8_t>(0x80 | (id.bytes[8] & 0x3f));
    last_id_ = id;
    return id.to_string();
  }

  void emit(std::size_t table, std::string_view type, std::optional<std::string_view> event,
            gg::sys_us at, std::optional<std::string_view> path,
            std::optional<std::string_view> properties) {
    new_id();
    gg::loader::event_row row;
    row.event_id = last_id_;
    row.type = type;
    row.event = event;
    row.timestamp = at;
    row.server_timestamp = at + std::chrono::milliseconds(40);
    row.session_id = session_id_;
    if (!plan_.user_id.empty()) row.user_id = plan_.user_id;
    row.client_ip = "203.0.113.7";
    row.user_agent = user_agent_;
    if (path) {
      url_ = "http://localhost:8000" + std::string(*path);
      row.url = url_;
      row.path = path;
    }
    row.properties = properties;
    if (table == page_views && first_view_ && properties && properties->ends_with('}')) {
      // The landing page view carries where the visitor came from (the tracker's
      // document.referrer); the others come from the shop itself.
      first_view_ = false;
      const auto referrer =
          gg::traffic::entry_referrers()[plan_.referrer % gg::traffic::entry_referrers().size()];
      landing_props_.assign(properties->substr(0, properties->size() - 1));
      landing_props_ += R"(,"referrer":)";
      gg::append_json_string(landing_props_, referrer);
      landing_props_ += '}';
      row.properties = landing_props_;
    }
    row.queue_name = raw_tables[table];
    row.processed_timestamp = row.server_timestamp;
    gg::loader::copy_encoder enc(buffers_[table]);
    gg::loader::write_event_row(enc, row);
  }

  std::uint64_t session() {
    plan_ = model_.next(products_, next_start_);
    next_start_ += gap_;
    session_id_ = fmt::format("bench-{}", plan_.sequence);
    first_view_ = true;
    const auto agents = gg::traffic::user_agents();
    user_agent_ = agents[plan_.user_agent % agents.size()];
    const auto items = products_.products();
    const auto cats = products_.categories();
    std::vector<std::pair<std::uint32_t, std::uint32_t>> cart;
    std::int64_t cart_cents = 0;
    std::uint64_t n = 0;
    std::string props;
    for (const auto& s : plan_.steps) {
      const gg::sys_us at = plan_.start + std::chrono::milliseconds(s.offset_ms);
      props.clear();
      switch (s.kind) {
        case gg::traffic::step_kind::home:
          emit(page_views, "page_view", std::nullopt, at, "/", R"({"title":"GadgetGrove"})");
          ++n;
          if (plan_.known_user()) {
            props = R"({"name":)";
            gg::append_json_string(props, plan_.user_name);
            props += R"(,"email":)";
            gg::append_json_string(props, plan_.user_email);
            props += '}';
            emit(user_events, "identify", std::nullopt, at + std::chrono::milliseconds(5),
                 std::nullopt, props);
            ++n;
          }
          break;
        case gg::traffic::step_kind::category: {
          const auto& c = cats[s.category];
          emit(page_views, "page_view", std::nullopt, at, "/category/" + c.slug,
               R"({"title":"Category"})");
          props = R"({"category":)";
          gg::append_json_string(props, c.name);
          props += '}';
          emit(ecommerce_events, "custom_event", "category_view", at + std::chrono::milliseconds(5),
               std::nullopt, props);
          n += 2;
          break;
        }
        case gg::traffic::step_kind::product: {
          const auto& p = items[s.product];
          emit(page_views, "page_view", std::nullopt, at,
               "/category/" + p.category_slug + "/product/" + p.id, R"({"title":"Product"})");
          gg::traffic::append_product_properties(props, p, 0);
          emit(ecommerce_events, "custom_event", "product_view", at + std::chrono::milliseconds(5),
               std::nullopt, props);
          n += 2;
          break;
        }
        case gg::traffic::step_kind::add_to_cart: {
          const auto& p = items[s.product];
          gg::traffic::append_product_properties(props, p, s.quantity);
          emit(ecommerce_events, "custom_event", "add_to_cart", at, std::nullopt, props);
          cart.emplace_back(s.product, s.quantity);
          cart_cents += p.price_cents * s.quantity;
          ++n;
          break;
        }
        case gg::traffic::step_kind::begin_checkout:
          props = R"({"value":)" + money(cart_cents) + R"(,"currency":"USD"})";
          emit(ecommerce_events, "custom_event", "begin_checkout", at, std::nullopt, props);
          ++n;
          break;
        case gg::traffic::step_kind::checkout:
          if (plan_.checkout == gg::traffic::checkout_plan::purchase) {
            const std::string order = new_id();
            props = R"({"order_id":")" + order + R"(","items":[)";
            for (std::size_t k = 0; k < cart.size(); ++k) {
              if (k > 0) props += ',';
              const auto& p = items[cart[k].first];
              props += R"({"product_id":)";
              gg::append_json_string(props, p.id);
              props += R"(,"price":)" + p.price_text + R"(,"quantity":)" +
                       std::to_string(cart[k].second) + '}';
            }
            props += R"(],"total":)" + money(cart_cents) + R"(,"currency":"USD"})";
            emit(ecommerce_events, "custom_event", "order_completed", at, std::nullopt, props);
            props = R"({"transaction_id":")" + order + R"(","value":)" + money(cart_cents) +
                    R"(,"currency":"USD"})";
            emit(ecommerce_events, "custom_event", "purchase", at + std::chrono::milliseconds(300),
                 std::nullopt, props);
            n += 2;
          } else {
            const auto reason =
                gg::traffic::checkout_error_reasons[plan_.error_reason %
                                                    gg::traffic::checkout_error_reasons.size()];
            props = R"({"error":)";
            gg::append_json_string(props, reason);
            props += R"(,"value":)" + money(cart_cents) + '}';
            emit(ecommerce_events, "custom_event", "checkout_error", at, std::nullopt, props);
            ++n;
          }
          break;
        case gg::traffic::step_kind::logout:
          emit(user_events, "custom_event", "logout", at, std::nullopt, "{}");
          ++n;
          break;
      }
    }
    return n;
  }

  const gg::traffic::product_list& products_;
  gg::traffic::session_model model_;
  gg::prng ids_;
  gg::sys_us next_start_;
  std::chrono::microseconds gap_;
  gg::traffic::session_plan plan_;
  std::string session_id_;
  bool first_view_ = true;
  std::string landing_props_;
  std::string_view user_agent_;
  std::string url_;
  gg::uuid last_id_;
  std::array<std::optional<gg::pg::copy_writer>, 5> writers_;
  std::array<std::string, 5> buffers_;
};

}  // namespace gg::bench
