#include "session_model.hpp"

#include <gadgetgrove/core/uuid.hpp>
#include "event_writer.hpp"

#include <array>
#include <cmath>
#include <utility>

namespace gg::traffic {
namespace {

constexpr std::array<std::string_view, 6> agents{
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 GadgetGroveTraffic/1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15 GadgetGroveTraffic/1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0 GadgetGroveTraffic/1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1 GadgetGroveTraffic/1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36 GadgetGroveTraffic/1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0 GadgetGroveTraffic/1",
};
// How often each agent is drawn: desktop Chrome and mobile Safari lead, as on most shops.
constexpr std::array<double, agents.size()> agent_weights{0.34, 0.12, 0.06, 0.24, 0.16, 0.08};

constexpr std::array<std::string_view, 5> referrers{
    "", "https://www.google.com/", "https://duckduckgo.com/", "https://www.bing.com/",
    "https://news.ycombinator.com/"};
constexpr std::array<double, referrers.size()> referrer_weights{0.45, 0.35, 0.08, 0.07, 0.05};

constexpr std::array<std::string_view, 24> first_names{
    "Ava",   "Liam",  "Maya",  "Noah", "Zoe",   "Ethan", "Leah",   "Omar",
    "Chloe", "Lucas", "Amara", "Ivan", "Sofia", "Mateo", "Hana",   "Kofi",
    "Elena", "Ravi",  "Nora",  "Jin",  "Priya", "Felix", "Ingrid", "Tariq"};
constexpr std::array<std::string_view, 24> last_names{
    "Smith",    "Garcia", "Chen",   "Okafor", "Muller", "Rossi",  "Tanaka", "Silva",
    "Kowalski", "Nguyen", "Haddad", "Larsen", "Patel",  "Moreau", "Novak",  "Ibrahim",
    "Fischer",  "Kim",    "Santos", "Dubois", "Ahmed",  "Berg",   "Costa",  "Walsh"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string_view to_string(step_kind k) noexcept {
  switch (k) {
    case step_kind::home:
      return "home";
    case step_kind::category:
      return "category";
    case step_kind::product:
      return "product";
    case step_kind::add_to_cart:
      return "add_to_cart";
    case step_kind::begin_checkout:
      return "begin_checkout";
    case step_kind::checkout:
      return "checkout";
    case step_kind::logout:
      return "logout";
  }
  return "unknown";
}

std::size_t events_of(const session_plan& plan, const session_step& step) noexcept {
  switch (step.kind) {
    case step_kind::home:
      return plan.known_user() ? 2 : 1;
    case step_kind::category:
    case step_kind::product:
      return 2;
    case step_kind::add_to_cart:
    case step_kind::begin_checkout:
    case step_kind::checkout:
    case step_kind::logout:
      return 1;
  }
  return 0;
}

std::size_t event_count(const session_plan& plan) noexcept {
  std::size_t n = 0;
  for (const auto& s : plan.steps) n += events_of(plan, s);
  return n;
}

std::span<const std::string_view> user_agents() noexcept { return agents; }

std::span<const std::string_view> entry_referrers() noexcept { return referrers; }

session_model::session_model(session_profile profile, std::uint64_t seed)
    : profile_(std::move(profile)), seed_(seed), rng_(seed), pool_(profile_) {}

std::uint32_t session_model::think() noexcept {
  // Log-uniform: most pauses are short, a few are long, as in real browsing.
  const double lo = std::max<double>(1.0, static_cast<double>(profile_.min_think.count()));
  const double hi = std::max<double>(lo, static_cast<double>(profile_.max_think.count()));
  return static_cast<std::uint32_t>(std::exp(std::log(lo) + rng_.unit() * std::log(hi / lo)));
}

void session_model::fill_user(session_plan& plan) const {
  // The identity is a pure function of seed and user number, so a returning user keeps it.
  std::uint64_t state = seed_ ^ (plan.user_number * 0x9e3779b97f4a7c15ULL) ^ 0x5ca1ab1eULL;
  const std::uint64_t hi = splitmix64(state);
  const std::uint64_t lo = splitmix64(state);
  const std::uint64_t names = splitmix64(state);
  plan.user_id.resize(36);
  uuid_v4_from_bits(hi, lo).write(plan.user_id.data());
  const auto first = first_names[names % first_names.size()];
  const auto last = last_names[(names >> 32) % last_names.size()];
  plan.user_name = std::string(first) + ' ' + std::string(last);
  plan.user_email = lower(first) + '.' + lower(last) + "@example.com";
}

session_plan session_model::next(const product_list& products, sys_us start) {
  session_plan plan;
  plan.sequence = sequence_++;
  plan.start = start;

  simulated_user user{};
  if (auto due = pool_.take_due(start)) {
    user = *due;
    plan.returning = true;
  } else if (rng_.chance(profile_.known_user_probability)) {
    user = pool_.create();
  }
  if (user.number != 0) {
    plan.user_number = user.number;
    plan.visit = user.visits;
    fill_user(plan);
  }
  plan.user_agent = static_cast<std::uint32_t>(rng_.weighted(agent_weights));
  plan.referrer = static_cast<std::uint32_t>(rng_.weighted(referrer_weights));

  std::uint32_t offset = 0;
  plan.steps.push_back(session_step{step_kind::home, 0});
  plan.bounced = rng_.chance(profile_.bounce_probability);

  const auto cats = products.categories();
  const auto items = products.products();
  if (!plan.bounced && !cats.empty()) {
    const auto n_cats = rng_.between(profile_.min_categories, profile_.max_categories);
    std::size_t cart_lines = 0;
    for (std::int64_t c = 0; c < n_cats; ++c) {
      const auto ci = static_cast<std::uint32_t>(rng_.below(cats.size()));
      offset += think();
      plan.steps.push_back(session_step{step_kind::category, offset, ci});
      const auto& members = cats[ci].products;
      if (members.empty()) continue;
      const auto n_products = rng_.between(profile_.min_products, profile_.max_products);
      for (std::int64_t p = 0; p < n_products; ++p) {
        const auto pi = members[rng_.below(members.size())];
        offset += think();
        plan.steps.push_back(session_step{step_kind::product, offset, ci, pi});
        // Drawn for every view so that stock changes do not shift later draws.
        const bool adds = rng_.chance(profile_.add_to_cart_probability);
        const auto quantity =
            static_cast<std::uint32_t>(rng_.between(profile_.min_quantity, profile_.max_quantity));
        if (adds && items[pi].in_stock) {
          offset += think() / 4 + 500;
          plan.steps.push_back(session_step{step_kind::add_to_cart, offset, ci, pi, quantity});
          ++cart_lines;
        }
      }
    }
    if (cart_lines > 0) {
      offset += think();
      plan.steps.push_back(session_step{step_kind::begin_checkout, offset});
      const bool purchase = rng_.chance(profile_.purchase_probability);
      plan.error_reason = static_cast<std::uint32_t>(rng_.below(checkout_error_reasons.size()));
      plan.end_session = rng_.chance(profile_.end_session_probability);
      offset += think();
      plan.steps.push_back(session_step{step_kind::checkout, offset});
      if (purchase) {
        plan.checkout = checkout_plan::purchase;
        plan.error_reason = 0;
      } else {
        plan.checkout = checkout_plan::error;
        plan.end_session = false;
      }
    }
    if (!plan.end_session && rng_.chance(profile_.logout_probability)) {
      offset += think() / 4 + 500;
      plan.steps.push_back(session_step{step_kind::logout, offset});
    }
  }

  if (user.number != 0) pool_.after_visit(user, start, rng_);
  return plan;
}

}  // namespace gg::traffic
