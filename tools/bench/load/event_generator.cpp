#include "event_generator.hpp"

#include <gadgetgrove/core/checksum.hpp>
#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/eventlog/queue_id.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>

namespace gg::bench {
namespace {

constexpr std::string_view categories[] = {"Smartphones", "Laptops", "Tablets", "Headphones",
                                           "Smartwatches"};
constexpr std::string_view brands[] = {"Apple", "Samsung", "Google", "Dell", "Lenovo",
                                       "Sony",  "Bose",    "Garmin", "Asus", "Xiaomi"};
constexpr std::string_view agents[] = {
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"};
constexpr std::string_view first_names[] = {"Ada",     "Grace",  "Linus",   "Margaret", "Ken",
                                            "Barbara", "Dennis", "Frances", "José",     "Zoë"};
constexpr std::string_view last_names[] = {"Lovelace", "Hopper", "Torvalds", "Hamilton",
                                           "Thompson", "Liskov", "Ritchie",  "Allen",
                                           "García",   "Müller"};
constexpr std::string_view ecommerce_events[] = {
    "product_view", "category_view", "add_to_cart", "begin_checkout", "purchase", "checkout_error"};

void add_string(std::string& out, std::string_view key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":";
  append_json_string(out, value);
  out += ',';
}

void add_raw(std::string& out, std::string_view key, std::string_view raw) {
  out += '"';
  out += key;
  out += "\":";
  out += raw;
  out += ',';
}

}  // namespace

event_generator::event_generator(std::uint64_t seed, sys_us start) : rng_(seed), clock_(start) {
  sessions_.reserve(256);
  for (int i = 0; i < 256; ++i) sessions_.push_back(session_token());
}

std::string_view event_generator::pick(std::span<const std::string_view> options) {
  return options[rng_() % options.size()];
}

std::string event_generator::random_uuid(bool time_ordered) {
  gg::uuid id;
  const std::uint64_t a = rng_();
  const std::uint64_t b = rng_();
  for (int i = 0; i < 8; ++i) {
    id.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(a >> (8 * i));
    id.bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(b >> (8 * i));
  }
  if (time_ordered) {
    const auto ms = static_cast<std::uint64_t>(clock_.time_since_epoch().count() / 1000);
    for (int i = 0; i < 6; ++i)
      id.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
    id.bytes[6] = static_cast<std::uint8_t>(0x70 | (id.bytes[6] & 0x0f));
  } else {
    id.bytes[6] = static_cast<std::uint8_t>(0x40 | (id.bytes[6] & 0x0f));
  }
  id.bytes[8] = static_cast<std::uint8_t>(0x80 | (id.bytes[8] & 0x3f));
  return id.to_string();
}

std::string event_generator::session_token() {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string t(43, 'A');
  for (auto& c : t) c = alphabet[rng_() % 64];
  return t;
}

std::size_t event_generator::next(std::string& out) {
  clock_ += std::chrono::microseconds(50 + rng_() % 400);
  const std::string session = sessions_[rng_() % sessions_.size()];
  const std::string user = (rng_() % 3 == 0) ? random_uuid(false) : std::string{};
  const std::string_view category = pick(categories);
  std::string slug{category};
  for (auto& c : slug) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string product =
      fmt::format("{}-{:08x}", slug.substr(0, 2), static_cast<std::uint32_t>(rng_()));
  const unsigned r = static_cast<unsigned>(rng_() % 100);
  const bool segment_api = rng_() % 10 == 0;

  char ts[iso8601_us_size];
  format_iso8601_us(clock_, ts);
  char client_ts[iso8601_ms_size];
  format_iso8601_ms(clock_ - std::chrono::milliseconds(rng_() % 900), client_ts);

  body_.clear();
  body_ += '{';
  eventlog::queue_id queue;
  std::string_view type;
  if (r < 45) {  // page view
    queue = eventlog::queue_id::page_views;
    type = "page_view";
    const std::string path = fmt::format("/category/{}/product/{}", slug, product);
    const std::string url = "http://localhost:8000" + path;
    if (segment_api) {
      add_string(body_, "anonymousId", session);
      add_raw(
          body_, "context",
          fmt::format(
              R"({{"page":{{"url":"{}","path":"{}","title":"{} | GadgetGrove"}},"library":{{"name":"analytics.js","version":"4.1.0"}}}})",
              url, path, category));
      add_raw(body_, "properties", fmt::format(R"({{"title":"{} | GadgetGrove"}})", category));
    } else {
      add_string(body_, "url", url);
      add_string(body_, "path", path);
      add_string(body_, "title", fmt::format("{} | GadgetGrove", category));
      add_string(body_, "referrer", "http://localhost:8000/");
      add_string(body_, "sessionId", session);
    }
    add_string(body_, "timestamp", std::string_view{client_ts, sizeof client_ts});
    if (!user.empty()) add_string(body_, "userId", user);
  } else if (r < 80) {  // e-commerce
    queue = eventlog::queue_id::ecommerce_events;
    type = "custom_event";
    const std::string_view name = pick(ecommerce_events);
    add_string(body_, "event", name);
    const unsigned price = 69 + static_cast<unsigned>(rng_() % 2900);
    add_raw(
        body_, "properties",
        fmt::format(
            R"({{"product_id":"{}","name":"{} {} {}","brand":"{}","category":"{}","price":{}.99,"quantity":{},"currency":"USD"}})",
            product, pick(brands), category.substr(0, category.size() - 1), rng_() % 20,
            pick(brands), category, price, 1 + rng_() % 3));
    add_string(body_, "timestamp", std::string_view{client_ts, sizeof client_ts});
    add_string(body_, segment_api ? "anonymousId" : "sessionId", session);
    if (!user.empty()) add_string(body_, "userId", user);
  } else if (r < 88) {  // identify / logout
    queue = eventlog::queue_id::user_events;
    const std::string_view first = pick(first_names);
    const std::string_view last = pick(last_names);
    if (rng_() % 4 != 0) {
      type = "identify";
      add_string(body_, "userId", user.empty() ? random_uuid(false) : user);
      std::string traits = "{\"name\":";
      append_json_string(traits, fmt::format("{} {}", first, last));
      traits += ",\"email\":";
      append_json_string(traits, fmt::format("{}.{}@example.com", first, last));
      traits += '}';
      add_raw(body_, "traits", traits);
    } else {
      type = "custom_event";
      add_string(body_, "event", "logout");
      add_raw(body_, "properties", "{}");
    }
    add_string(body_, "timestamp", std::string_view{client_ts, sizeof client_ts});
    add_string(body_, "sessionId", session);
  } else if (r < 98) {  // anything else
    queue = eventlog::queue_id::event_queue;
    type = "custom_event";
    add_string(body_, "event", rng_() % 2 ? "scroll_depth" : "newsletter_signup");
    add_raw(body_, "properties",
            fmt::format(
                R"({{"depth":{},"page":"/category/{}","experiment":{{"id":"exp-{}","arm":"{}"}}}})",
                rng_() % 100, slug, rng_() % 8, rng_() % 2 ? "a" : "b"));
    add_string(body_, "timestamp", std::string_view{client_ts, sizeof client_ts});
    add_string(body_, "sessionId", session);
  } else {
    queue = eventlog::queue_id::analytics_events;
    type = "custom_event";
    add_string(body_, "event", "web_vitals");
    add_raw(body_, "properties",
            fmt::format(R"({{"lcp_ms":{},"cls":0.0{},"inp_ms":{}}})", 800 + rng_() % 3000,
                        rng_() % 9, 20 + rng_() % 400));
    add_string(body_, "queueName", "analytics_events");
    add_string(body_, "timestamp", std::string_view{client_ts, sizeof client_ts});
    add_string(body_, "sessionId", session);
  }
  add_string(body_, "type", type);
  add_string(body_, "event_id", random_uuid(!segment_api));
  add_string(body_, "server_timestamp", std::string_view{ts, sizeof ts});
  add_string(body_, "client_ip", fmt::format("203.0.113.{}", rng_() % 255));
  const std::string_view agent = pick(agents);
  add_string(body_, "user_agent", agent);
  if (agent.find("Googlebot") != std::string_view::npos) add_raw(body_, "_bot", "true");
  add_string(body_, "_source", segment_api ? "segment" : "api");
  add_string(body_, "_queue", eventlog::to_string(queue));
  body_ += "\"_processed_at\":";
  append_json_string(body_, std::string_view{ts, sizeof ts});
  // Framing: the object without its closing brace, hashed, then the checksum tail.
  const std::uint64_t sum = checksum64(body_);
  out += body_;
  out += R"(,"_checksum":")";
  char hex[16];
  write_hex16(sum, hex);
  out.append(hex, sizeof hex);
  out += "\"}\n";
  return eventlog::index_of(queue);
}

result<segment_set> write_segments(const std::filesystem::path& data_dir, std::uint64_t events,
                                   std::uint64_t segment_bytes, std::uint64_t seed,
                                   double duplicate_share) {
  namespace fs = std::filesystem;
  const sys_us start = now_us() - std::chrono::hours(1);
  event_generator gen(seed, start);
  segment_set set;
  struct open_segment {
    std::string buffer;
    std::string first_time;
    std::uint64_t seq = 0;
    std::vector<std::string> earlier;  // a sample of the queue's lines in sealed segments
    std::vector<std::string> current;  // the lines of this segment
  };
  // Lines kept per queue to repeat: enough that repeats are spread over many segments.
  constexpr std::size_t kept_lines = 4096;
  std::mt19937_64 dup_rng(seed ^ 0x5eedULL);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::array<open_segment, eventlog::queue_count> open{};
  auto seal = [&](std::size_t q) -> status {
    auto& s = open[q];
    if (s.buffer.empty()) return {};
    const fs::path dir =
        data_dir / "log" / std::string{eventlog::to_string(eventlog::all_queues[q])};
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail(errc::io, "mkdir " + dir.string() + ": " + ec.message());
    const fs::path file = dir / fmt::format("{}-{:08}.jsonl", s.first_time, ++s.seq);
    std::ofstream f(file, std::ios::binary);
    f.write(s.buffer.data(), static_cast<std::streamsize>(s.buffer.size()));
    if (!f) return fail(errc::io, "write " + file.string());
    set.files.push_back(file);
    s.buffer.clear();
    for (auto& l : s.current) {
      if (s.earlier.size() < kept_lines) {
        s.earlier.push_back(std::move(l));
      } else {
        s.earlier[dup_rng() % kept_lines] = std::move(l);
      }
    }
    s.current.clear();
    return {};
  };
  std::string line;
  std::uint64_t elapsed_us = 0;
  for (std::uint64_t i = 0; i < events; ++i) {
    line.clear();
    const std::size_t q = gen.next(line);
    auto& s = open[q];
    if (duplicate_share > 0 && unit(dup_rng) < duplicate_share &&
        !(s.earlier.empty() && s.current.empty())) {
      // The generated event is replaced by a repeat of an earlier one of its queue.
      const auto& pool = s.earlier.empty() ? s.current : s.earlier;
      line = pool[dup_rng() % pool.size()];
      ++set.duplicates;
    } else if (duplicate_share > 0) {
      s.current.push_back(line);
    }
    if (s.buffer.empty()) {
      s.first_time = format_compact_utc(start + std::chrono::microseconds(elapsed_us));
      s.buffer.reserve(segment_bytes + 4096);
    }
    elapsed_us += 100;
    s.buffer += line;
    set.bytes += line.size();
    ++set.events;
    ++set.events_per_queue[q];
    if (s.buffer.size() >= segment_bytes) {
      if (auto st = seal(q); !st) return st.error();
    }
  }
  for (std::size_t q = 0; q < open.size(); ++q) {
    if (auto st = seal(q); !st) return st.error();
  }
  return set;
}

}  // namespace gg::bench
