#include "session_model.hpp"

#include "test_products.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <set>
#include <sstream>

using namespace gg::traffic;
using namespace std::chrono_literals;

namespace {

gg::sys_us base_time() { return gg::sys_us(std::chrono::microseconds(1'760'000'000'000'000LL)); }

std::string describe(const session_plan& p) {
  std::ostringstream out;
  out << p.sequence << ' ' << p.user_number << ' ' << p.user_id << ' ' << p.returning << ' '
      << p.user_agent << ' ' << p.referrer << ' ' << p.bounced << ' '
      << static_cast<int>(p.checkout) << ' ' << p.error_reason << ' ' << p.end_session << ':';
  for (const auto& s : p.steps) {
    out << ' ' << to_string(s.kind) << '@' << s.offset_ms << '/' << s.category << '/' << s.product
        << '/' << s.quantity;
  }
  return out.str();
}

}  // namespace

TEST_CASE("session shapes over 10,000 sessions match the profile's probabilities",
          "[unit][traffic]") {
  const product_list products = test::test_products();
  session_profile profile;
  session_model model(profile, 2024);

  std::size_t bounced = 0, categories = 0, non_bounced = 0, product_views = 0, adds = 0;
  std::size_t with_cart = 0, purchases = 0, errors = 0, begins = 0, known = 0, logouts = 0;
  std::size_t may_logout = 0;
  std::map<std::uint32_t, std::size_t> quantities;
  std::map<std::uint32_t, std::size_t> reasons;
  std::map<std::size_t, std::size_t> categories_per_session;
  const std::size_t n = 10'000;
  for (std::size_t i = 0; i < n; ++i) {
    const session_plan p = model.next(products, base_time() + std::chrono::seconds(i));
    REQUIRE_FALSE(p.steps.empty());
    REQUIRE(p.steps.front().kind == step_kind::home);
    if (p.known_user()) ++known;
    std::size_t cats = 0, views_here = 0, adds_here = 0;
    std::uint32_t last_offset = 0;
    for (const auto& s : p.steps) {
      REQUIRE(s.offset_ms >= last_offset);
      last_offset = s.offset_ms;
      switch (s.kind) {
        case step_kind::category:
          ++cats;
          views_here = 0;
          break;
        case step_kind::product:
          ++product_views;
          ++views_here;
          REQUIRE(views_here <= 3);
          REQUIRE(products.products()[s.product].category ==
                  products.categories()[s.category].name);
          break;
        case step_kind::add_to_cart:
          ++adds;
          ++adds_here;
          ++quantities[s.quantity];
          break;
        case step_kind::begin_checkout:
          ++begins;
          break;
        case step_kind::logout:
          ++logouts;
          break;
        default:
          break;
      }
    }
    if (p.bounced) {
      ++bounced;
      CHECK(p.steps.size() == 1);
      continue;
    }
    ++non_bounced;
    if (!p.end_session) ++may_logout;
    categories += cats;
    ++categories_per_session[cats];
    REQUIRE(cats >= 2);
    REQUIRE(cats <= 6);
    if (adds_here > 0) {
      ++with_cart;
      REQUIRE(p.checkout != checkout_plan::none);
      if (p.checkout == checkout_plan::purchase) ++purchases;
      if (p.checkout == checkout_plan::error) {
        ++errors;
        ++reasons[p.error_reason];
      }
    } else {
      REQUIRE(p.checkout == checkout_plan::none);
    }
  }

  CHECK(bounced / double(n) == Approx(profile.bounce_probability).margin(0.015));
  CHECK(categories / double(non_bounced) == Approx(4.0).margin(0.08));
  for (std::size_t c = 2; c <= 6; ++c) {
    CHECK(categories_per_session[c] / double(non_bounced) == Approx(0.2).margin(0.02));
  }
  // 1-3 products per category visit: mean 2.
  CHECK(product_views / double(categories) == Approx(2.0).margin(0.05));
  CHECK(adds / double(product_views) == Approx(profile.add_to_cart_probability).margin(0.01));
  for (std::uint32_t q = 1; q <= 3; ++q) {
    CHECK(quantities[q] / double(adds) == Approx(1.0 / 3).margin(0.02));
  }
  CHECK(quantities.size() == 3);
  CHECK(begins == with_cart);
  CHECK(purchases / double(with_cart) == Approx(profile.purchase_probability).margin(0.015));
  CHECK(purchases + errors == with_cart);
  REQUIRE(reasons.size() == checkout_error_reasons.size());
  for (const auto& [reason, count] : reasons) {
    CHECK(count / double(errors) == Approx(1.0 / 3).margin(0.04));
  }
  CHECK(known / double(n) >= profile.known_user_probability - 0.02);
  CHECK(logouts / double(may_logout) == Approx(profile.logout_probability).margin(0.01));
}

TEST_CASE("the funnel narrows from sessions to products to carts to purchases", "[unit][traffic]") {
  const product_list products = test::test_products();
  session_model model(session_profile{}, 99);
  std::size_t browse = 0, product = 0, cart = 0, purchase = 0;
  const std::size_t n = 10'000;
  for (std::size_t i = 0; i < n; ++i) {
    const auto p = model.next(products, base_time());
    bool viewed = false, carted = false;
    for (const auto& s : p.steps) {
      viewed = viewed || s.kind == step_kind::product;
      carted = carted || s.kind == step_kind::add_to_cart;
    }
    if (!p.bounced) ++browse;
    if (viewed) ++product;
    if (carted) ++cart;
    if (p.checkout == checkout_plan::purchase) ++purchase;
  }
  // Every non-bounced session views products; with ~8 views at 0.65 nearly all cart.
  CHECK(browse / double(n) == Approx(0.85).margin(0.015));
  CHECK(product == browse);
  CHECK(cart / double(browse) > 0.95);
  CHECK(purchase / double(cart) == Approx(0.80).margin(0.015));
}

TEST_CASE("probabilities come from the profile", "[unit][traffic]") {
  const product_list products = test::test_products();
  session_profile profile;
  profile.bounce_probability = 1.0;
  profile.known_user_probability = 0.0;
  session_model bouncing(profile, 1);
  for (int i = 0; i < 200; ++i) {
    const auto p = bouncing.next(products, base_time());
    CHECK(p.bounced);
    CHECK(p.steps.size() == 1);
    CHECK_FALSE(p.known_user());
    CHECK(p.user_id.empty());
  }
  profile.bounce_probability = 0.0;
  profile.add_to_cart_probability = 0.0;
  session_model browsing(profile, 1);
  for (int i = 0; i < 200; ++i) {
    const auto p = browsing.next(products, base_time());
    CHECK_FALSE(p.bounced);
    CHECK(p.checkout == checkout_plan::none);
  }
}

TEST_CASE("out-of-stock products are viewed but never added to the cart", "[unit][traffic]") {
  const product_list products = test::test_products(/*all_in_stock=*/false);
  session_profile profile;
  profile.add_to_cart_probability = 1.0;
  session_model model(profile, 5);
  std::size_t viewed_out_of_stock = 0;
  for (int i = 0; i < 2000; ++i) {
    for (const auto& s : model.next(products, base_time()).steps) {
      if (!products.products()[s.product].in_stock) {
        if (s.kind == step_kind::product) ++viewed_out_of_stock;
        CHECK(s.kind != step_kind::add_to_cart);
      }
    }
  }
  CHECK(viewed_out_of_stock > 0);
}

TEST_CASE("the same seed and start times give the same sequence of sessions", "[unit][traffic]") {
  const product_list products = test::test_products();
  session_model a(session_profile{}, 77), b(session_profile{}, 77), c(session_profile{}, 78);
  bool differs = false;
  for (int i = 0; i < 2000; ++i) {
    // Hours apart, so returning visitors take part in the comparison too.
    const auto at = base_time() + std::chrono::hours(i);
    const auto pa = describe(a.next(products, at));
    CHECK(pa == describe(b.next(products, at)));
    differs = differs || pa != describe(c.next(products, at));
  }
  CHECK(differs);
  CHECK(a.visitors().users() == b.visitors().users());
}

TEST_CASE("known users come back on later days with a stable identity", "[unit][traffic]") {
  const product_list products = test::test_products();
  session_model model(session_profile{}, 3);
  std::map<std::uint64_t, std::string> ids;
  std::map<std::uint64_t, gg::sys_us> first_seen;
  std::size_t returning = 0, later_day = 0;
  const std::size_t n = 20'000;
  for (std::size_t i = 0; i < n; ++i) {
    // 20,000 sessions over 60 days.
    const auto at = base_time() + std::chrono::seconds(i * 259);
    const auto p = model.next(products, at);
    if (!p.known_user()) continue;
    REQUIRE(p.user_id.size() == 36);
    CHECK(p.user_email.find("@example.com") != std::string::npos);
    auto [it, fresh] = ids.emplace(p.user_number, p.user_id);
    if (fresh) {
      CHECK_FALSE(p.returning);
      CHECK(p.visit == 1);
      first_seen[p.user_number] = at;
      continue;
    }
    CHECK(it->second == p.user_id);
    CHECK(p.returning);
    CHECK(p.visit >= 2);
    ++returning;
    if (at - first_seen[p.user_number] >= std::chrono::hours(6)) ++later_day;
  }
  CHECK(returning / double(n) > 0.15);
  CHECK(returning / double(n) < 0.6);
  CHECK(later_day == returning);
}

TEST_CASE("cohort retention decays week over week", "[unit][traffic]") {
  const product_list products = test::test_products();
  session_model model(session_profile{}, 21);
  // Users first seen in the first week, and who of them is active in weeks 1, 2, 4.
  std::map<std::uint64_t, gg::sys_us> first_seen;
  std::array<std::set<std::uint64_t>, 8> active{};
  const auto start = base_time();
  for (std::size_t i = 0; i < 30'000; ++i) {
    const auto at = start + std::chrono::seconds(i * 161);  // about 56 days
    const auto p = model.next(products, at);
    if (!p.known_user()) continue;
    auto [it, fresh] = first_seen.emplace(p.user_number, at);
    if (it->second - start >= std::chrono::days(7)) continue;
    const auto week = (at - it->second) / std::chrono::days(7);
    if (week < static_cast<long>(active.size()))
      active[static_cast<std::size_t>(week)].insert(p.user_number);
  }
  const double cohort = static_cast<double>(active[0].size());
  const double w1 = active[1].size() / cohort, w2 = active[2].size() / cohort,
               w4 = active[4].size() / cohort;
  CHECK(w1 > 0.1);
  CHECK(w1 < 0.7);
  CHECK(w2 < w1);
  CHECK(w4 < w2);
  CHECK(w4 > 0.0);
}

TEST_CASE("the waiting list is bounded and overflow is counted", "[unit][traffic]") {
  const product_list products = test::test_products();
  session_profile profile;
  profile.known_user_probability = 1.0;
  profile.return_probability = 1.0;
  profile.max_waiting_users = 50;
  session_model model(profile, 8);
  for (int i = 0; i < 500; ++i) (void)model.next(products, base_time());
  CHECK(model.visitors().waiting() == 50);
  CHECK(model.visitors().let_go() == 450);
}
