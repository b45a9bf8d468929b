// Ingest's per-event CPU cost next to its reference: parse + validate + enrich + route of
// realistic ~310-byte browser events, against simdjson parsing the same bytes (DOM, which
// validates everything, and On Demand walking every value). One thread; rates are events per
// second of that thread's CPU time.
//
// Usage: bench_parse [seconds-per-measurement [ingest|plain]]   (default 1; `ingest` and
// `plain` run only that contender, for profiling)

#include <gadgetgrove/ingest/event_enricher.hpp>

#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// CPU time of the calling thread: on a shared machine, time spent descheduled would otherwise
/// be charged to whichever contender happened to be running.
struct thread_cpu_clock {
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<thread_cpu_clock>;
  static time_point now() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return time_point{std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec}};
  }
};
using clock_type = thread_cpu_clock;

std::vector<std::string> sample_events() {
  return {
      R"({"type":"page_view","url":"https://shop.example/category/laptops/product/LA-3f9a1c2e","path":"/category/laptops/product/LA-3f9a1c2e","title":"Zenbook Pro 14 - GadgetGrove","referrer":"https://shop.example/category/laptops","timestamp":"2026-11-26T15:19:10.512Z","sessionId":"k3J9x_2pQmZr8vLw4NtYbA5cDe6fGh7iJk8lMn9oPq0","userId":"5f0c2a4e-8b1d-4c3f-9e2a-7d6b5c4a3f21"})",
      R"({"type":"custom_event","event":"add_to_cart","properties":{"product_id":"SM-1a2b3c4d","name":"Galaxy Nova 12","brand":"Samsung","category":"Smartphones","price":1299.99,"quantity":2},"timestamp":"2026-11-26T15:19:11.123Z","sessionId":"k3J9x_2pQmZr8vLw4NtYbA5cDe6fGh7iJk8lMn9oPq0","userId":"5f0c2a4e-8b1d-4c3f-9e2a-7d6b5c4a3f21"})",
      R"({"type":"identify","userId":"5f0c2a4e-8b1d-4c3f-9e2a-7d6b5c4a3f21","traits":{"name":"Ada Lovelace","email":"ada.lovelace@example.com"},"timestamp":"2026-11-26T15:19:12.004Z","sessionId":"k3J9x_2pQmZr8vLw4NtYbA5cDe6fGh7iJk8lMn9oPq0","url":"https://shop.example/","path":"/"})",
      R"({"type":"custom_event","event":"purchase","properties":{"transaction_id":"ORD-7c1b9d3e4f","value":2599.98,"currency":"USD","items":2},"timestamp":"2026-11-26T15:19:30.777Z","sessionId":"k3J9x_2pQmZr8vLw4NtYbA5cDe6fGh7iJk8lMn9oPq0","userId":"5f0c2a4e-8b1d-4c3f-9e2a-7d6b5c4a3f21"})",
  };
}

const char* user_agents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
};

/// Events per second of each contender. The contenders take turns in short slices so that
/// other load on the machine slows them all alike and the ratios stay meaningful.
template <class... F>
std::vector<double> events_per_second(double seconds, F&&... contenders) {
  constexpr std::size_t n = sizeof...(F);
  std::vector<double> events(n, 0.0);
  std::vector<double> busy(n, 0.0);
  const auto slice = std::chrono::milliseconds{20};
  const auto until = clock_type::now() + std::chrono::duration<double>(seconds * n);
  while (clock_type::now() < until) {
    std::size_t i = 0;
    (
        [&] {
          const auto start = clock_type::now();
          auto now = start;
          do {
            // Reading the thread CPU clock is a system call: amortise it over several passes.
            for (int pass = 0; pass < 16; ++pass) events[i] += static_cast<double>(contenders());
            now = clock_type::now();
          } while (now - start < slice);
          busy[i] += std::chrono::duration<double>(now - start).count();
          ++i;
        }(),
        ...);
  }
  for (std::size_t i = 0; i < n; ++i) events[i] /= busy[i];
  return events;
}

std::size_t walk(simdjson::ondemand::value v) {
  std::size_t n = 1;
  simdjson::ondemand::json_type t;
  if (v.type().get(t)) return n;
  if (t == simdjson::ondemand::json_type::object) {
    for (auto f : v.get_object()) {
      simdjson::ondemand::field field;
      if (std::move(f).get(field)) break;
      n += walk(field.value());
    }
  } else if (t == simdjson::ondemand::json_type::array) {
    for (auto e : v.get_array()) {
      simdjson::ondemand::value element;
      if (std::move(e).get(element)) break;
      n += walk(element);
    }
  } else if (t == simdjson::ondemand::json_type::string) {
    std::string_view s;
    if (v.get_string().get(s) == simdjson::SUCCESS) n += s.size() & 1;
  } else {
    n += v.raw_json_token().size() & 1;
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  const auto events = sample_events();
  std::size_t total_bytes = 0;
  for (const auto& e : events) total_bytes += e.size();
  std::vector<simdjson::padded_string> padded;
  for (const auto& e : events) padded.emplace_back(e);

  gg::ingest::ingest_config config;
  config.client_ip = gg::ingest::ip_mode::truncate;
  config.visitor_hash_key = "bench-secret";
  const gg::ingest::event_enricher enricher{config};
  gg::ingest::request_info req;
  req.client_ip = "203.0.113.77";
  req.received = gg::now_us();

  std::printf(
      "ingest bench_parse: %zu sample events, %.0f bytes on average, %.1f s each (interleaved)\n",
      events.size(), static_cast<double>(total_bytes) / static_cast<double>(events.size()),
      seconds);
  std::printf("simdjson builtin (On Demand) implementation: %s, active (DOM): %s\n",
              simdjson::builtin_implementation()->name().c_str(),
              simdjson::get_active_implementation()->name().c_str());

  std::size_t sink = 0;
  simdjson::dom::parser dom;
  const auto dom_parse = [&] {
    for (const auto& p : padded) {
      simdjson::dom::element root;
      if (dom.parse(p).get(root) == simdjson::SUCCESS) sink += root.is_object();
    }
    return padded.size();
  };

  simdjson::ondemand::parser od;
  const auto on_demand_walk = [&] {
    for (const auto& p : padded) {
      simdjson::ondemand::document doc;
      if (od.iterate(p).get(doc)) continue;
      simdjson::ondemand::value root;
      if (doc.get_value().get(root) == simdjson::SUCCESS) sink += walk(root);
    }
    return padded.size();
  };

  std::size_t ua = 0;
  gg::ingest::enriched_event out;
  std::size_t line_bytes = 0;
  const auto ingest = [&] {
    for (const auto& e : events) {
      req.user_agent = user_agents[ua++ % std::size(user_agents)];
      out.line = std::string{};  // each accepted event owns its line, as in the service
      if (enricher.enrich_one(gg::ingest::event_source::api, e, req, out) ==
          gg::ingest::reject_reason::none) {
        line_bytes += out.line.size();
      }
    }
    return events.size();
  };

  // The same events from a request with no address and no agent: what the per-request
  // fields (address policy, visitor hash, agent escaping, bot check) cost.
  const gg::ingest::event_enricher plain_enricher{gg::ingest::ingest_config{}};
  gg::ingest::request_info plain_req;
  plain_req.received = req.received;
  const auto ingest_plain = [&] {
    for (const auto& e : events) {
      out.line = std::string{};
      if (plain_enricher.enrich_one(gg::ingest::event_source::api, e, plain_req, out) ==
          gg::ingest::reject_reason::none) {
        line_bytes += out.line.size();
      }
    }
    return events.size();
  };

  // The same events as one POST /api/analytics/batch body of 100: the per-request work
  // (address policy, visitor hash, agent, timestamps) is shared by all of them.
  std::string batch_body = "[";
  for (int i = 0; i < 25; ++i) {
    for (const auto& e : events) {
      if (batch_body.size() > 1) batch_body.push_back(',');
      batch_body.append(e);
    }
  }
  batch_body.push_back(']');
  std::vector<gg::ingest::batch_item> items;
  const auto ingest_batch = [&] {
    req.user_agent = user_agents[ua++ % std::size(user_agents)];
    if (enricher.enrich_batch(batch_body, req, items) == gg::ingest::reject_reason::none) {
      for (auto& item : items) line_bytes += item.event.line.size();
    }
    return items.size();
  };

  if (argc > 2 && (std::string_view{argv[2]} == "ingest" || std::string_view{argv[2]} == "plain")) {
    const auto rate = std::string_view{argv[2]} == "ingest"
                          ? events_per_second(seconds, ingest)
                          : events_per_second(seconds, ingest_plain);
    std::printf("%-52s %10.2f M events/s\n", "ingest parse+validate+enrich+route", rate[0] / 1e6);
    return 0;
  }
  const auto rates =
      events_per_second(seconds, dom_parse, on_demand_walk, ingest, ingest_plain, ingest_batch);
  const double dom_rate = rates[0];
  const double od_rate = rates[1];
  const double ingest_rate = rates[2];
  const double plain_rate = rates[3];
  const double batch_rate = rates[4];

  std::printf("%-52s %10.2f M events/s\n", "simdjson DOM parse (reference)", dom_rate / 1e6);
  std::printf("%-52s %10.2f M events/s\n", "simdjson On Demand, every value visited (reference)",
              od_rate / 1e6);
  std::printf("%-52s %10.2f M events/s\n", "ingest parse+validate+enrich+route", ingest_rate / 1e6);
  std::printf("%-52s %10.2f M events/s\n", "  same, request without address or user agent",
              plain_rate / 1e6);
  std::printf("%-52s %10.2f M events/s\n", "  same events in batches of 100 (one request each)",
              batch_rate / 1e6);
  std::printf("ratio ingest / DOM parse: %.2f   ingest / On Demand walk: %.2f\n",
              ingest_rate / dom_rate, ingest_rate / od_rate);
  std::printf("(checksum %zu %zu)\n", sink, line_bytes);
  return 0;
}
