// How `simulate` reads the server's answers: the simdjson On-Demand reader the session driver
// uses (src/traffic/answer_scan.cpp) against the substring scan it replaced (kept here as the
// reference, as it was; simdjson's DOM parser, see answer_scan.hpp), on the answer shapes the
// driver reads: a single event's ack, a batch ack, the shop's session answer and a checkout. Each
// side extracts what the driver takes from the answer; the two must agree on every shape before
// anything is timed. Prints nanoseconds per answer (medians of --runs) and the ratio simdjson /
// substring (below 1: simdjson is faster).
//   bench_answer_scan [--runs 7] [--iterations 200000]

#include "answer_scan.hpp"

#include <gadgetgrove/core/json_text.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

// --- the reference: the substring scan as the driver used it ---------------------------------

std::size_t value_of(std::string_view json, std::string_view key, std::size_t from) {
  std::string pattern;
  pattern.reserve(key.size() + 2);
  pattern.push_back('"');
  pattern.append(key);
  pattern.push_back('"');
  std::size_t at = from;
  while ((at = json.find(pattern, at)) != std::string_view::npos) {
    std::size_t p = at + pattern.size();
    while (p < json.size() &&
           (json[p] == ' ' || json[p] == '\t' || json[p] == '\n' || json[p] == '\r')) {
      ++p;
    }
    if (p < json.size() && json[p] == ':') {
      ++p;
      while (p < json.size() &&
             (json[p] == ' ' || json[p] == '\t' || json[p] == '\n' || json[p] == '\r')) {
        ++p;
      }
      return p;
    }
    at += pattern.size();
  }
  return std::string_view::npos;
}

std::optional<std::string> string_member(std::string_view json, std::string_view key,
                                         std::size_t from = 0, std::size_t* next = nullptr) {
  std::size_t p = value_of(json, key, from);
  if (p == std::string_view::npos || p >= json.size() || json[p] != '"') return std::nullopt;
  std::string out;
  for (++p; p < json.size(); ++p) {
    const char c = json[p];
    if (c == '"') {
      if (next != nullptr) *next = p + 1;
      return out;
    }
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++p >= json.size()) break;
    switch (json[p]) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u':
        out.append("\\u");
        break;
      default:
        out.push_back(json[p]);
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> number_member(std::string_view json, std::string_view key) {
  const std::size_t p = value_of(json, key, 0);
  if (p == std::string_view::npos) return std::nullopt;
  std::size_t e = p;
  while (e < json.size() &&
         ((json[e] >= '0' && json[e] <= '9') || json[e] == '-' || json[e] == '+' ||
          json[e] == '.' || json[e] == 'e' || json[e] == 'E')) {
    ++e;
  }
  if (e == p) return std::nullopt;
  return json.substr(p, e - p);
}

// --- what the driver takes from an answer ------------------------------------------------------

/// The acknowledged ids (or "#i" for "its own id"), the rejected count, and the session and
/// checkout members, as text: both readers must produce the same.
struct extracted {
  std::vector<std::string> acked;
  unsigned rejected = 0;
  std::string a, b, c;
  bool operator==(const extracted&) const = default;
};

enum class shape { ack, session, checkout };

void substring_read(shape s, std::string_view body, unsigned n, extracted& out) {
  switch (s) {
    case shape::ack: {
      const auto results = body.find(R"("results")");
      if (results != std::string_view::npos) {
        std::size_t pos = results;
        for (unsigned i = 0; i < n; ++i) {
          std::size_t after = 0;
          const auto st = string_member(body, "status", pos, &after);
          if (!st) {
            out.rejected += n - i;
            break;
          }
          const std::size_t next_status = body.find(R"("status")", after);
          if (*st == "success") {
            std::size_t id_end = 0;
            const auto id = string_member(body, "event_id", after, &id_end);
            if (id && (next_status == std::string_view::npos || id_end < next_status)) {
              out.acked.push_back(*id);
            } else {
              out.acked.push_back("#" + std::to_string(i));
            }
          } else {
            ++out.rejected;
          }
          pos = next_status == std::string_view::npos ? body.size() : next_status;
        }
        return;
      }
      if (const auto st = string_member(body, "status")) {
        if (*st != "success") {
          out.rejected += n;
          return;
        }
        if (n == 1) {
          const auto id = string_member(body, "event_id");
          out.acked.push_back(id ? *id : "#0");
          return;
        }
      }
      for (unsigned i = 0; i < n; ++i) out.acked.push_back("#" + std::to_string(i));
      return;
    }
    case shape::session: {
      if (auto id = string_member(body, "session_id"); id && !id->empty()) out.a = *id;
      const auto user = body.find(R"("user")");
      if (user != std::string_view::npos) {
        if (auto name = string_member(body, "name", user)) out.b = *name;
        if (auto email = string_member(body, "email", user)) out.c = *email;
      }
      return;
    }
    case shape::checkout: {
      const auto st = string_member(body, "status");
      if (st && *st == "success") {
        out.a = string_member(body, "order_id").value_or("");
        const auto total = number_member(body, "total");
        out.b = total ? std::string(*total) : std::string();
      } else {
        out.c = string_member(body, "reason").value_or("");
      }
      return;
    }
  }
}

void simdjson_read(shape s, std::string_view body, unsigned n, extracted& out) {
  const gg::traffic::detail::answer& a = gg::traffic::detail::read_answer(body);
  switch (s) {
    case shape::ack: {
      if (a.has_results) {
        for (unsigned i = 0; i < n; ++i) {
          if (i >= a.results.size()) {
            out.rejected += n - i;
            break;
          }
          if (a.results[i].success) {
            out.acked.push_back(a.results[i].event_id.empty() ? "#" + std::to_string(i)
                                                              : std::string(a.results[i].event_id));
          } else {
            ++out.rejected;
          }
        }
        return;
      }
      if (a.status) {
        if (*a.status != "success") {
          out.rejected += n;
          return;
        }
        if (n == 1) {
          out.acked.push_back(a.event_id ? std::string(*a.event_id) : "#0");
          return;
        }
      }
      for (unsigned i = 0; i < n; ++i) out.acked.push_back("#" + std::to_string(i));
      return;
    }
    case shape::session:
      if (a.session_id && !a.session_id->empty()) out.a = *a.session_id;
      if (a.user_name) out.b = *a.user_name;
      if (a.user_email) out.c = *a.user_email;
      return;
    case shape::checkout:
      if (a.status == "success") {
        out.a = std::string(a.order_id.value_or(""));
        if (a.total) gg::append_json_double(out.b, *a.total);
      } else {
        out.c = std::string(a.reason.value_or(""));
      }
      return;
  }
}

struct workload {
  const char* name;
  shape kind;
  std::string body;
  unsigned events;  // events the request carried (acks only)
};

std::string batch_ack(unsigned n) {
  std::string body = R"({"status":"success","results":[)";
  for (unsigned i = 0; i < n; ++i) {
    if (i > 0) body += ',';
    if (i == 3) {
      body += R"({"status":"error","error":"invalid_timestamp"})";
    } else {
      char id[40];
      std::snprintf(id, sizeof id, "0190f5a2-7c1b-7d3e-9a4b-1c2d3e4f%04x", i);
      body += R"({"status":"success","queue":"page_views","event_id":")" + std::string(id) + "\"}";
    }
  }
  return body + "]}";
}

template <class Read>
double ns_per_answer(Read read, const workload& w, long iterations, std::size_t& sink) {
  extracted out;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) {
    out.acked.clear();
    out.rejected = 0;
    read(w.kind, w.body, w.events, out);
    sink += out.acked.size() + out.rejected;
  }
  const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
  return took.count() / static_cast<double>(iterations);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 7;
  long iterations = 200000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view opt = argv[i];
    if (opt == "--runs") {
      runs = std::atoi(argv[i + 1]);
    } else if (opt == "--iterations") {
      iterations = std::atol(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: bench_answer_scan [--runs N] [--iterations N]\n");
      return 2;
    }
  }
  const std::vector<workload> workloads = {
      {"single event ack", shape::ack,
       R"({"status":"success","queue":"page_views","event_id":"0190f5a2-7c1b-7d3e-9a4b-1c2d3e4f5a6b"})",
       1},
      {"batch ack, 4 events", shape::ack, batch_ack(4), 4},
      {"batch ack, 20 events", shape::ack, batch_ack(20), 20},
      {"refused event", shape::ack, R"({"status":"error","error":"not_json"})", 1},
      {"session", shape::session,
       R"({"session_id":"8d6f1f0e-2b1c-4d7e-9a3f-5b6c7d8e9f01","user":{"id":"u-000042",)"
       R"("name":"Ava Smith","first_name":"Ava","last_name":"Smith","email":)"
       R"("ava.smith@example.com","address":{"street":"12 Elm Street","city":"Springfield",)"
       R"("state":"IL","postal_code":"62701","country":"US"}},"new":true})",
       0},
      {"checkout", shape::checkout,
       R"({"status":"success","order_id":"0190f5a2-7c1b-7d3e-9a4b-1c2d3e4f5a6b",)"
       R"("session_ended":false,"subtotal":1299.99,"shipping":0.00,"tax":104.00,"total":1403.99})",
       0},
      {"declined checkout", shape::checkout,
       R"({"status":"error","error":"payment failed","reason":"Payment Declined",)"
       R"("order_id":"0190f5a2-7c1b-7d3e-9a4b-1c2d3e4f5a6b"})",
       0},
  };

  for (const workload& w : workloads) {
    extracted a, b;
    substring_read(w.kind, w.body, w.events, a);
    simdjson_read(w.kind, w.body, w.events, b);
    if (!(a == b)) {
      std::fprintf(stderr, "the readers disagree on \"%s\"\n", w.name);
      return 1;
    }
  }

  std::size_t sink = 0;
  std::printf("answer reading, ns per answer, medians of %d runs of %ld answers\n", runs,
              iterations);
  std::printf("  %-22s %10s %10s %8s\n", "answer", "substring", "simdjson", "ratio");
  std::vector<double> ratios;
  for (const workload& w : workloads) {
    std::vector<double> sub, sim;
    for (int r = 0; r < runs; ++r) {
      sub.push_back(ns_per_answer(substring_read, w, iterations, sink));
      sim.push_back(ns_per_answer(simdjson_read, w, iterations, sink));
    }
    const double ms = median(sub), mj = median(sim);
    ratios.push_back(mj / ms);
    std::printf("  %-22s %10.1f %10.1f %8.2f\n", w.name, ms, mj, mj / ms);
  }
  std::printf("  simdjson / substring, median over the shapes: %.2f (checksum %zu)\n",
              median(ratios), sink);
  return 0;
}
