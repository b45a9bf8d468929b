#include <gadgetgrove/core/metrics.hpp>

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <stdexcept>

#include <gadgetgrove/core/time.hpp>

namespace gg::metrics {
namespace {

enum class kind { counter, gauge, histogram };

std::string_view type_name(kind k) noexcept {
  switch (k) {
    case kind::counter:
      return "counter";
    case kind::gauge:
      return "gauge";
    case kind::histogram:
      return "histogram";
  }
  return "untyped";
}

bool valid_metric_name(std::string_view n) noexcept {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

bool valid_label_name(std::string_view n) noexcept {
  if (n.empty() || n.starts_with("__")) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

void append_escaped_label_value(std::string& out, std::string_view v) {
  for (const char c : v) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        out.push_back(c);
    }
  }
}

void append_escaped_help(std::string& out, std::string_view v) {
  for (const char c : v) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        out.push_back(c);
    }
  }
}

/// `k="v",k2="v2"` without braces.
void append_label_pairs(std::string& out, const labels& l) {
  bool first = true;
  for (const auto& [k, v] : l) {
    if (!first) out.push_back(',');
    first = false;
    out.append(k);
    out.append("=\"");
    append_escaped_label_value(out, v);
    out.push_back('"');
  }
}

void append_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("NaN");
  } else if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
  } else {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_family_header(std::string& out, std::string_view name, std::string_view help,
                          std::string_view type) {
  out.append("# HELP ");
  out.append(name);
  out.push_back(' ');
  append_escaped_help(out, help);
  out.append("\n# TYPE ");
  out.append(name);
  out.push_back(' ');
  out.append(type);
  out.push_back('\n');
}

/// `name{pairs[,extra]} ` — braces omitted when there is no label at all.
void append_series(std::string& out, std::string_view name, std::string_view suffix,
                   std::string_view pairs, std::string_view extra = {}) {
  out.append(name);
  out.append(suffix);
  if (!pairs.empty() || !extra.empty()) {
    out.push_back('{');
    out.append(pairs);
    if (!pairs.empty() && !extra.empty()) out.push_back(',');
    out.append(extra);
    out.push_back('}');
  }
  out.push_back(' ');
}

std::vector<double> checked_bounds(std::vector<double> b) {
  if (!b.empty() && std::isinf(b.back()) && b.back() > 0) b.pop_back();
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (!std::isfinite(b[i])) throw std::logic_error("histogram bound is not finite");
    if (i > 0 && !(b[i - 1] < b[i])) {
      throw std::logic_error("histogram bounds are not strictly increasing");
    }
  }
  return b;
}

}  // namespace

void gauge::add(double d) noexcept {
  double cur = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

histogram::histogram(std::vector<double> bounds)
    : bounds_(checked_bounds(std::move(bounds))),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void histogram::observe(double v) noexcept {
  if (std::isnan(v)) return;
  // Bucket i counts bounds_[i-1] < v <= bounds_[i]: the first bound not below v.
  const auto idx = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                            bounds_.begin());
  buckets_[idx].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

std::vector<std::uint64_t> histogram::bucket_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  return out;
}

std::vector<double> latency_buckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1.0,   2.5,    5.0,   10.0};
}

std::vector<double> size_buckets() {
  std::vector<double> b;
  for (double v = 1; v <= 65536; v *= 2) b.push_back(v);
  return b;
}

void exposition::family(std::string_view name, std::string_view help, std::string_view type) {
  starts_.emplace_back(std::string(name), out_.size());
  append_family_header(out_, name, help, type);
}

void exposition::sample(std::string_view name, const labels& l, double value) {
  out_.append(name);
  if (!l.empty()) {
    out_.push_back('{');
    append_label_pairs(out_, l);
    out_.push_back('}');
  }
  out_.push_back(' ');
  append_double(out_, value);
  out_.push_back('\n');
}

struct registry::impl {
  struct series {
    std::unique_ptr<counter> c;
    std::unique_ptr<gauge> g;
    std::unique_ptr<histogram> h;
  };
  struct family {
    kind k;
    std::string help;
    std::vector<double> bounds;
    // Keyed by the rendered, name-sorted label pairs: the identity of a series and its
    // exposition order at once.
    std::map<std::string, series, std::less<>> children;
  };

  mutable std::mutex mu;
  std::map<std::string, family, std::less<>> families;
  std::vector<std::shared_ptr<const std::function<void(exposition&)>>> collectors;

  series& find_or_add(std::string_view name, std::string_view help, kind k, const labels& l,
                      const std::vector<double>* bounds) {
    if (!valid_metric_name(name)) {
      throw std::logic_error("invalid metric name: " + std::string(name));
    }
    labels sorted = l;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (!valid_label_name(sorted[i].first)) {
        throw std::logic_error("invalid label name on " + std::string(name) + ": " +
                               sorted[i].first);
      }
      if (i > 0 && sorted[i].first == sorted[i - 1].first) {
        throw std::logic_error("duplicate label on " + std::string(name) + ": " + sorted[i].first);
      }
      if (k == kind::histogram && sorted[i].first == "le") {
        throw std::logic_error("histogram label 'le' is reserved: " + std::string(name));
      }
    }
    std::string key;
    append_label_pairs(key, sorted);

    std::lock_guard lock(mu);
    auto it = families.find(name);
    if (it == families.end()) {
      family f{k, std::string(help), bounds ? *bounds : std::vector<double>{}, {}};
      it = families.emplace(std::string(name), std::move(f)).first;
    } else if (it->second.k != k) {
      throw std::logic_error("metric " + std::string(name) + " registered as " +
                             std::string(type_name(it->second.k)) + " and as " +
                             std::string(type_name(k)));
    } else if (bounds && it->second.bounds != *bounds) {
      throw std::logic_error("histogram " + std::string(name) + " registered with other bounds");
    }
    auto [child, added] = it->second.children.try_emplace(std::move(key));
    if (added) {
      switch (k) {
        case kind::counter:
          child->second.c = std::make_unique<counter>();
          break;
        case kind::gauge:
          child->second.g = std::make_unique<gauge>();
          break;
        case kind::histogram:
          child->second.h = std::make_unique<histogram>(*bounds);
          break;
      }
    }
    return child->second;
  }

  void render(std::string& out, std::string_view name, const family& f) const {
    append_family_header(out, name, f.help, type_name(f.k));
    for (const auto& [pairs, s] : f.children) {
      switch (f.k) {
        case kind::counter:
          append_series(out, name, "", pairs);
          append_uint(out, s.c->value());
          out.push_back('\n');
          break;
        case kind::gauge:
          append_series(out, name, "", pairs);
          append_double(out, s.g->value());
          out.push_back('\n');
          break;
        case kind::histogram: {
          const std::vector<std::uint64_t> counts = s.h->bucket_counts();
          const std::vector<double>& b = s.h->bounds();
          // _count is the sum of the same bucket snapshot, so the +Inf bucket always equals it
          // even while other threads observe.
          std::uint64_t cumulative = 0;
          std::string le;
          for (std::size_t i = 0; i < counts.size(); ++i) {
            cumulative += counts[i];
            le.assign("le=\"");
            if (i < b.size()) {
              append_double(le, b[i]);
            } else {
              le.append("+Inf");
            }
            le.push_back('"');
            append_series(out, name, "_bucket", pairs, le);
            append_uint(out, cumulative);
            out.push_back('\n');
          }
          append_series(out, name, "_sum", pairs);
          append_double(out, s.h->sum());
          out.push_back('\n');
          append_series(out, name, "_count", pairs);
          append_uint(out, cumulative);
          out.push_back('\n');
          break;
        }
      }
    }
  }
};

registry::registry() : impl_(std::make_unique<impl>()) {}
registry::~registry() = default;

counter& registry::get_counter(std::string_view name, std::string_view help, const labels& l) {
  return *impl_->find_or_add(name, help, kind::counter, l, nullptr).c;
}

gauge& registry::get_gauge(std::string_view name, std::string_view help, const labels& l) {
  return *impl_->find_or_add(name, help, kind::gauge, l, nullptr).g;
}

histogram& registry::get_histogram(std::string_view name, std::string_view help,
                                   std::vector<double> bounds, const labels& l) {
  const std::vector<double> checked = checked_bounds(std::move(bounds));
  return *impl_->find_or_add(name, help, kind::histogram, l, &checked).h;
}

void registry::add_collector(std::function<void(exposition&)> collect) {
  auto shared = std::make_shared<const std::function<void(exposition&)>>(std::move(collect));
  std::lock_guard lock(impl_->mu);
  impl_->collectors.push_back(std::move(shared));
}

std::string registry::expose() const {
  struct chunk {
    std::string_view name;
    const std::string* text;
    std::size_t begin, end;
  };
  std::string own;
  std::vector<std::string> own_names;
  std::vector<std::pair<std::size_t, std::size_t>> own_ranges;
  std::vector<std::shared_ptr<const std::function<void(exposition&)>>> collectors;
  {
    std::lock_guard lock(impl_->mu);
    own_names.reserve(impl_->families.size());
    for (const auto& [name, f] : impl_->families) {
      const std::size_t begin = own.size();
      impl_->render(own, name, f);
      own_names.push_back(name);
      own_ranges.emplace_back(begin, own.size());
    }
    collectors = impl_->collectors;
  }

  std::vector<exposition> collected(collectors.size());
  for (std::size_t i = 0; i < collectors.size(); ++i) (*collectors[i])(collected[i]);

  std::vector<chunk> chunks;
  for (std::size_t i = 0; i < own_names.size(); ++i) {
    chunks.push_back({own_names[i], &own, own_ranges[i].first, own_ranges[i].second});
  }
  for (exposition& e : collected) {
    const auto& starts = e.family_starts();
    for (std::size_t i = 0; i < starts.size(); ++i) {
      const std::size_t end = i + 1 < starts.size() ? starts[i + 1].second : e.text().size();
      chunks.push_back({starts[i].first, &e.text(), starts[i].second, end});
    }
  }
  // Stable: on a repeated name the registry's own family (listed first) wins, then the
  // earliest collector; exposing a family twice would make the whole scrape invalid.
  std::stable_sort(chunks.begin(), chunks.end(),
                   [](const chunk& a, const chunk& b) { return a.name < b.name; });

  std::string out;
  std::size_t total = 0;
  for (const chunk& c : chunks) total += c.end - c.begin;
  out.reserve(total);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    if (i > 0 && chunks[i].name == chunks[i - 1].name) continue;
    out.append(*chunks[i].text, chunks[i].begin, chunks[i].end - chunks[i].begin);
  }
  return out;
}

registry& global() {
  // Never destroyed: stages may still update metrics while static destructors run.
  static registry* const r = new registry();
  return *r;
}

namespace {

/// Fields of /proc/self/stat after the command name, which may itself hold spaces or ')'.
struct proc_stat {
  double utime_ticks = 0, stime_ticks = 0, start_ticks = 0, vsize = 0, rss_pages = 0;
  bool ok = false;
};

proc_stat read_proc_stat() {
  proc_stat st;
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return st;
  const std::size_t close = line.rfind(')');
  if (close == std::string::npos) return st;
  // Field 3 (state) follows ") "; utime is field 14, stime 15, starttime 22, vsize 23, rss 24.
  std::vector<std::string_view> fields;
  std::string_view rest(line);
  rest.remove_prefix(close + 1);
  while (!rest.empty()) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const std::size_t sp = rest.find(' ');
    fields.push_back(rest.substr(0, sp));
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp);
  }
  const auto num = [&fields](std::size_t field_no) {
    double v = 0;
    const std::size_t i = field_no - 3;
    if (i < fields.size())
      std::from_chars(fields[i].data(), fields[i].data() + fields[i].size(), v);
    return v;
  };
  if (fields.size() < 22) return st;
  st.utime_ticks = num(14);
  st.stime_ticks = num(15);
  st.start_ticks = num(22);
  st.vsize = num(23);
  st.rss_pages = num(24);
  st.ok = true;
  return st;
}

double read_boot_time() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

double count_open_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  double n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // the descriptor opendir() itself holds
}

}  // namespace

void register_process_collector(registry& r) {
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  const double boot = read_boot_time();
  r.add_collector([ticks, page, boot](exposition& e) {
    const proc_stat st = read_proc_stat();
    const double start = boot + st.start_ticks / ticks;
    if (st.ok) {
      e.family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               "counter");
      e.sample("process_cpu_seconds_total", {}, (st.utime_ticks + st.stime_ticks) / ticks);
    }
    e.family("process_max_fds", "Maximum number of open file descriptors.", "gauge");
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    e.sample("process_max_fds", {},
             lim.rlim_cur == RLIM_INFINITY ? INFINITY : static_cast<double>(lim.rlim_cur));
    e.family("process_open_fds", "Number of open file descriptors.", "gauge");
    e.sample("process_open_fds", {}, count_open_fds());
    if (st.ok) {
      e.family("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge");
      e.sample("process_resident_memory_bytes", {}, st.rss_pages * page);
      e.family("process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.", "gauge");
      e.sample("process_start_time_seconds", {}, start);
      e.family("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge");
      e.sample("process_virtual_memory_bytes", {}, st.vsize);
      const double now = static_cast<double>(now_us().time_since_epoch().count()) / 1e6;
      e.family("gadgetgrove_uptime_seconds", "Seconds since the process started.", "gauge");
      e.sample("gadgetgrove_uptime_seconds", {}, std::max(0.0, now - start));
    }
  });
}

}  // namespace gg::metrics
