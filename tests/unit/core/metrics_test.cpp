#include <gadgetgrove/core/metrics.hpp>

#include <catch2/catch.hpp>

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct family {
  std::string help;
  std::string type;
  std::vector<sample> samples;
};

bool is_metric_name(std::string_view n) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

double parse_value(std::string_view v) {
  if (v == "+Inf") return INFINITY;
  if (v == "-Inf") return -INFINITY;
  if (v == "NaN") return NAN;
  double d = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), d);
  INFO(std::string(v));
  REQUIRE(r.ec == std::errc{});
  REQUIRE(r.ptr == v.data() + v.size());
  return d;
}

/// The family a sample belongs to: its own name, or for histograms the name without suffix.
std::string family_of(const std::string& name, const std::map<std::string, family>& fams) {
  if (fams.count(name) != 0) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string_view s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      const auto it = fams.find(base);
      if (it != fams.end() && it->second.type == "histogram") return base;
    }
  }
  return {};
}

/// A strict reader of the Prometheus text format 0.0.4 as this project writes it: every line is
/// `# HELP name text`, `# TYPE name type` or `name{labels} value`; HELP then TYPE come once per
/// family before its samples; families do not interleave; label values use only the \\, \" and
/// \n escapes. Fails the test on anything else.
std::map<std::string, family> parse_exposition(const std::string& text) {
  std::map<std::string, family> fams;
  std::vector<std::string> order;
  std::string current;
  REQUIRE((text.empty() || text.back() == '\n'));
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    INFO("line: " << line);
    REQUIRE_FALSE(line.empty());
    if (line.rfind("# HELP ", 0) == 0) {
      const std::size_t sp = line.find(' ', 7);
      REQUIRE(sp != std::string::npos);
      const std::string name = line.substr(7, sp - 7);
      REQUIRE(is_metric_name(name));
      REQUIRE(fams.count(name) == 0);
      fams[name].help = line.substr(sp + 1);
      order.push_back(name);
      current = name;
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      const std::size_t sp = line.find(' ', 7);
      REQUIRE(sp != std::string::npos);
      const std::string name = line.substr(7, sp - 7);
      REQUIRE(name == current);
      REQUIRE(fams[name].type.empty());
      REQUIRE(fams[name].samples.empty());
      const std::string type = line.substr(sp + 1);
      REQUIRE((type == "counter" || type == "gauge" || type == "histogram"));
      fams[name].type = type;
      continue;
    }
    REQUIRE(line[0] != '#');

    sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    REQUIRE(is_metric_name(s.name));
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (true) {
        REQUIRE(i < line.size());
        if (line[i] == '}') {
          ++i;
          break;
        }
        const std::size_t eq = line.find('=', i);
        REQUIRE(eq != std::string::npos);
        const std::string key = line.substr(i, eq - i);
        REQUIRE(is_metric_name(key));
        REQUIRE(line.at(eq + 1) == '"');
        std::string value;
        i = eq + 2;
        while (true) {
          REQUIRE(i < line.size());
          const char c = line[i++];
          if (c == '"') break;
          if (c == '\\') {
            REQUIRE(i < line.size());
            const char e = line[i++];
            REQUIRE((e == '\\' || e == '"' || e == 'n'));
            value.push_back(e == 'n' ? '\n' : e);
          } else {
            value.push_back(c);
          }
        }
        REQUIRE(s.labels.emplace(key, value).second);
        REQUIRE(i < line.size());
        if (line[i] == ',') {
          ++i;
          REQUIRE(line.at(i) != '}');
        } else {
          REQUIRE(line[i] == '}');
        }
      }
    }
    REQUIRE(i < line.size());
    REQUIRE(line[i] == ' ');
    s.value = parse_value(std::string_view(line).substr(i + 1));
    const std::string fam = family_of(s.name, fams);
    REQUIRE(fam == current);
    REQUIRE_FALSE(fams[fam].type.empty());
    fams[fam].samples.push_back(std::move(s));
  }
  // Deterministic order: families sorted by name.
  REQUIRE(std::is_sorted(order.begin(), order.end()));
  for (const auto& [name, f] : fams) {
    INFO(name);
    REQUIRE_FALSE(f.type.empty());
    if (f.type != "histogram") continue;
    // Per label set: le strictly increasing, counts cumulative, last bucket +Inf == _count.
    std::map<std::map<std::string, std::string>, std::vector<const sample*>> series;
    std::map<std::map<std::string, std::string>, double> counts;
    for (const sample& s : f.samples) {
      auto key = s.labels;
      key.erase("le");
      if (s.name == name + "_bucket") {
        REQUIRE(s.labels.count("le") == 1);
        series[key].push_back(&s);
      } else if (s.name == name + "_count") {
        counts[key] = s.value;
      } else {
        REQUIRE(s.name == name + "_sum");
      }
    }
    for (const auto& [key, buckets] : series) {
      REQUIRE_FALSE(buckets.empty());
      double prev_le = -INFINITY;
      double prev_count = 0;
      for (const sample* b : buckets) {
        const double le = parse_value(b->labels.at("le"));
        REQUIRE(le > prev_le);
        REQUIRE(b->value >= prev_count);
        prev_le = le;
        prev_count = b->value;
      }
      REQUIRE(buckets.back()->labels.at("le") == "+Inf");
      REQUIRE(counts.count(key) == 1);
      REQUIRE(counts.at(key) == buckets.back()->value);
    }
  }
  return fams;
}

const sample* find(const family& f, std::string_view name,
                   const std::map<std::string, std::string>& labels = {}) {
  for (const sample& s : f.samples) {
    if (s.name == name && s.labels == labels) return &s;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("counters, gauges and histograms expose valid text format", "[unit][core]") {
  gg::metrics::registry r;
  r.get_counter("gadgetgrove_ingest_events_total", "Events accepted.", {{"queue", "page_views"}})
      .inc(3);
  r.get_counter("gadgetgrove_ingest_events_total", "Events accepted.", {{"queue", "purchases"}})
      .inc();
  r.get_gauge("gadgetgrove_queue_depth", "Events waiting.").set(42.5);
  auto& h = r.get_histogram("gadgetgrove_http_request_duration_seconds", "Request latency.",
                            {0.1, 0.5, 1}, {{"route", "/"}});
  h.observe(0.05);
  h.observe(0.1);
  h.observe(0.3);
  h.observe(7);

  const std::string text = r.expose();
  const auto fams = parse_exposition(text);
  REQUIRE(fams.size() == 3);

  const family& events = fams.at("gadgetgrove_ingest_events_total");
  CHECK(events.type == "counter");
  CHECK(events.help == "Events accepted.");
  REQUIRE(find(events, "gadgetgrove_ingest_events_total", {{"queue", "page_views"}}));
  CHECK(find(events, "gadgetgrove_ingest_events_total", {{"queue", "page_views"}})->value == 3);
  CHECK(find(events, "gadgetgrove_ingest_events_total", {{"queue", "purchases"}})->value == 1);

  const family& depth = fams.at("gadgetgrove_queue_depth");
  CHECK(depth.type == "gauge");
  REQUIRE(find(depth, "gadgetgrove_queue_depth"));
  CHECK(find(depth, "gadgetgrove_queue_depth")->value == 42.5);

  const family& lat = fams.at("gadgetgrove_http_request_duration_seconds");
  CHECK(lat.type == "histogram");
  const std::string n = "gadgetgrove_http_request_duration_seconds";
  const auto bucket = [&](const char* le) {
    const sample* s = find(lat, n + "_bucket", {{"route", "/"}, {"le", le}});
    REQUIRE(s);
    return s->value;
  };
  CHECK(bucket("0.1") == 2);  // le is inclusive
  CHECK(bucket("0.5") == 3);
  CHECK(bucket("1") == 3);
  CHECK(bucket("+Inf") == 4);
  CHECK(find(lat, n + "_count", {{"route", "/"}})->value == 4);
  CHECK(find(lat, n + "_sum", {{"route", "/"}})->value == Approx(7.45));
  CHECK(text.find("# TYPE gadgetgrove_ingest_events_total counter\n") != std::string::npos);
}

TEST_CASE("label values and help text are escaped and round-trip", "[unit][core]") {
  gg::metrics::registry r;
  const std::string tricky = "a\\b\"c\nd}e,f=g";
  r.get_counter("x_total", "Help with \\ and\nnewline.", {{"path", tricky}}).inc(5);
  const std::string text = r.expose();
  CHECK(text.find("# HELP x_total Help with \\\\ and\\nnewline.\n") != std::string::npos);
  const auto fams = parse_exposition(text);
  const sample* s = find(fams.at("x_total"), "x_total", {{"path", tricky}});
  REQUIRE(s);
  CHECK(s->value == 5);
}

TEST_CASE("families are exposed sorted by name whatever the registration order", "[unit][core]") {
  gg::metrics::registry r;
  r.get_gauge("zeta", "z");
  r.get_counter("alpha_total", "a");
  r.get_gauge("mid", "m");
  r.add_collector([](gg::metrics::exposition& e) {
    e.family("beta", "b", "gauge");
    e.sample("beta", {}, 1);
    e.family("omega", "o", "gauge");
    e.sample("omega", {{"k", "v"}}, 2);
  });
  const auto fams = parse_exposition(r.expose());
  std::vector<std::string> names;
  for (const auto& [name, f] : fams) names.push_back(name);
  CHECK(names == std::vector<std::string>{"alpha_total", "beta", "mid", "omega", "zeta"});
  const std::string text = r.expose();
  CHECK(text.find("# HELP alpha_total") < text.find("# HELP beta"));
  CHECK(text.find("# HELP beta") < text.find("# HELP mid"));
  CHECK(text.find("# HELP omega") < text.find("# HELP zeta"));
  CHECK(text == r.expose());
}

TEST_CASE("registering the same series twice returns the same object", "[unit][core]") {
  gg::metrics::registry r;
  auto& a = r.get_counter("c_total", "c", {{"a", "1"}, {"b", "2"}});
  auto& b = r.get_counter("c_total", "c", {{"b", "2"}, {"a", "1"}});
  auto& other = r.get_counter("c_total", "c", {{"a", "1"}, {"b", "3"}});
  CHECK(&a == &b);
  CHECK(&a != &other);
  auto& h1 = r.get_histogram("h", "h", {1, 2});
  auto& h2 = r.get_histogram("h", "h", {1, 2});
  CHECK(&h1 == &h2);
}

TEST_CASE("conflicting or invalid registrations are logic errors", "[unit][core]") {
  gg::metrics::registry r;
  r.get_counter("m_total", "m");
  CHECK_THROWS_AS(r.get_gauge("m_total", "m"), std::logic_error);
  CHECK_THROWS_AS(r.get_histogram("m_total", "m", {1}), std::logic_error);
  r.get_histogram("h", "h", {1, 2});
  CHECK_THROWS_AS(r.get_histogram("h", "h", {1, 3}), std::logic_error);
  CHECK_THROWS_AS(r.get_counter("bad-name", "x"), std::logic_error);
  CHECK_THROWS_AS(r.get_counter("1bad", "x"), std::logic_error);
  CHECK_THROWS_AS(r.get_counter("", "x"), std::logic_error);
  CHECK_THROWS_AS(r.get_counter("ok_total", "x", {{"bad-label", "v"}}), std::logic_error);
  CHECK_THROWS_AS(r.get_counter("ok_total", "x", {{"__reserved", "v"}}), std::logic_error);
  CHECK_THROWS_AS(r.get_counter("ok_total", "x", {{"a", "1"}, {"a", "2"}}), std::logic_error);
  CHECK_THROWS_AS(r.get_histogram("h2", "x", {1}, {{"le", "1"}}), std::logic_error);
  CHECK_THROWS_AS(r.get_histogram("h3", "x", {2, 1}), std::logic_error);
  CHECK_THROWS_AS(r.get_histogram("h4", "x", {1, 1}), std::logic_error);
  CHECK_THROWS_AS(r.get_histogram("h5", "x", {NAN}), std::logic_error);
  CHECK_NOTHROW(r.get_counter("name:with_colon_total", "x"));
  // A failed registration leaves the exposition valid.
  parse_exposition(r.expose());
}

TEST_CASE("gauge add and sub accumulate", "[unit][core]") {
  gg::metrics::gauge g;
  g.set(10);
  g.add(2.5);
  g.sub(0.5);
  CHECK(g.value() == 12.0);
}

TEST_CASE("histogram buckets include their upper bound and ignore NaN", "[unit][core]") {
  gg::metrics::histogram h({1, 2, 4});
  for (const double v : {-5.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 4.5, double{INFINITY}, double{NAN}})
    h.observe(v);
  CHECK(h.bucket_counts() == std::vector<std::uint64_t>{3, 2, 2, 2});
  CHECK(h.count() == 9);
  gg::metrics::histogram with_inf({1, INFINITY});
  CHECK(with_inf.bounds() == std::vector<double>{1});
  gg::metrics::histogram only_inf({});
  only_inf.observe(3);
  CHECK(only_inf.bucket_counts() == std::vector<std::uint64_t>{1});
}

TEST_CASE("standard bucket sets are strictly increasing", "[unit][core]") {
  const auto lat = gg::metrics::latency_buckets();
  CHECK(lat.front() == 0.00005);
  CHECK(lat.back() == 10.0);
  CHECK(std::is_sorted(lat.begin(), lat.end()));
  const auto sizes = gg::metrics::size_buckets();
  CHECK(sizes.front() == 1);
  CHECK(sizes.back() == 65536);
  CHECK(sizes.size() == 17);
}

TEST_CASE("concurrent updates from four threads are all counted", "[unit][core]") {
  gg::metrics::registry r;
  auto& c = r.get_counter("c_total", "c");
  auto& g = r.get_gauge("g", "g");
  auto& h = r.get_histogram("h", "h", {10, 100, 1000});
  constexpr int per_thread = 50000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        c.inc();
        g.add(1);
        h.observe(static_cast<double>((i + t) % 2000));
      }
    });
  }
  // Scrapes while updates run must still be valid and consistent.
  for (int i = 0; i < 20; ++i) parse_exposition(r.expose());
  for (auto& t : threads) t.join();

  CHECK(c.value() == 4 * per_thread);
  CHECK(g.value() == 4.0 * per_thread);
  CHECK(h.count() == 4 * per_thread);
  std::uint64_t total = 0;
  for (const auto n : h.bucket_counts()) total += n;
  CHECK(total == 4 * per_thread);
  double expected_sum = 0;
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < per_thread; ++i) expected_sum += (i + t) % 2000;
  }
  CHECK(h.sum() == expected_sum);  // integers below 2^53 add exactly
}

TEST_CASE("the process collector exposes process metrics from /proc", "[unit][core]") {
  gg::metrics::registry r;
  gg::metrics::register_process_collector(r);
  gg::metrics::register_process_collector(r);  // a second registration is harmless
  const auto fams = parse_exposition(r.expose());
  for (const char* name : {"process_resident_memory_bytes", "process_virtual_memory_bytes",
                           "process_cpu_seconds_total", "process_open_fds", "process_max_fds",
                           "process_start_time_seconds", "gadgetgrove_uptime_seconds"}) {
    INFO(name);
    REQUIRE(fams.count(name) == 1);
    REQUIRE(fams.at(name).samples.size() == 1);
  }
  CHECK(fams.at("process_cpu_seconds_total").type == "counter");
  CHECK(fams.at("process_resident_memory_bytes").samples[0].value > 1e6);
  CHECK(fams.at("process_virtual_memory_bytes").samples[0].value >=
        fams.at("process_resident_memory_bytes").samples[0].value);
  CHECK(fams.at("process_open_fds").samples[0].value >= 3);
  CHECK(fams.at("process_max_fds").samples[0].value >=
        fams.at("process_open_fds").samples[0].value);
  const double start = fams.at("process_start_time_seconds").samples[0].value;
  CHECK(start > 1.6e9);
  CHECK(fams.at("gadgetgrove_uptime_seconds").samples[0].value >= 0);
  CHECK(fams.at("gadgetgrove_uptime_seconds").samples[0].value < 3600);
}

TEST_CASE("the global registry is one shared instance", "[unit][core]") {
  auto& a = gg::metrics::global().get_counter("gadgetgrove_core_test_total", "t");
  auto& b = gg::metrics::global().get_counter("gadgetgrove_core_test_total", "t");
  CHECK(&a == &b);
  // What one caller counts, another caller's scrape shows.
  const auto before = a.value();
  b.inc(3);
  CHECK(gg::metrics::global().expose().find("gadgetgrove_core_test_total " +
                                            std::to_string(before + 3) + "\n") !=
        std::string::npos);
}
