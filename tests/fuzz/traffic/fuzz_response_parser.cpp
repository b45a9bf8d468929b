// libFuzzer target for simulate's HTTP response parser. The first input byte chooses a HEAD
// request (bit 0) and the size of the reads (the other bits); the rest is what the server sends
// before it closes the connection. Checked on every input:
// - nothing crashes, hangs or trips a sanitizer;
// - the responses, their order, status, body, Set-Cookie fields and the final verdict are the
//   same whether the bytes arrive in one read or in small pieces;
// - a complete response has a status of 200..999 and a body within body_limit;
// - reading each body as an answer gives members no longer than the body.

#include "answer_scan.hpp"
#include "response_parser.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using gg::traffic::detail::response_parser;
using state = response_parser::state;

/// Aborts, naming the failed check's line, when `condition` is false.
void check(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "check failed at %s:%d\n", __FILE__, line);
  std::abort();
}

struct outcome {
  unsigned status = 0;
  std::string body;
  bool close = false;
  std::vector<std::string> cookies;
  friend bool operator==(const outcome&, const outcome&) = default;
};

struct transcript {
  std::vector<outcome> responses;
  std::string verdict;  // the error, or "need_more" / "closed" at the end
  friend bool operator==(const transcript&, const transcript&) = default;
};

void scan(std::string_view body) {
  const gg::traffic::detail::answer& a = gg::traffic::detail::read_answer(body);
  // Unescaping never lengthens a string, and every result is at least "{}" of the body.
  for (const auto& m : {a.status, a.error, a.reason, a.event_id, a.session_id, a.order_id,
                        a.user_name, a.user_email}) {
    if (m) check(m->size() <= body.size());
  }
  check(a.results.size() <= body.size() / 2);
  for (const auto& r : a.results) check(r.event_id.size() <= body.size());
  check(a.has_results || a.results.empty());
}

/// Feeds `bytes` in reads of at most `piece` bytes, as the client does, answering every complete
/// response until the server's close.
transcript run(std::string_view bytes, std::size_t piece, bool head) {
  transcript t;
  response_parser p;
  p.reset(head);
  // Records every response the buffered bytes complete; false once the connection is done.
  auto drain = [&](state st) {
    while (st == state::complete) {
      check(p.status() >= 200 && p.status() <= 999);
      check(p.body().size() <= response_parser::body_limit);
      if (head) check(p.body().empty());
      scan(p.body());
      outcome o{p.status(), std::string(p.body()), p.close(), {}};
      for (auto c : p.set_cookies()) o.cookies.emplace_back(c);
      t.responses.push_back(std::move(o));
      if (p.close()) {
        t.verdict = "closed";
        return false;
      }
      p.reset(head);
      st = p.commit(0);
    }
    if (st == state::error) {
      t.verdict = p.error();
      return false;
    }
    return true;
  };
  std::size_t at = 0;
  while (at < bytes.size()) {
    const std::size_t n = std::min(piece, bytes.size() - at);
    char* dst = p.prepare(n);
    check(p.capacity() >= n);
    std::memcpy(dst, bytes.data() + at, n);
    at += n;
    if (!drain(p.commit(n))) return t;
  }
  if (drain(p.on_eof())) t.verdict = "need_more";
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool head = (data[0] & 1) != 0;
  const std::size_t piece = 1 + (data[0] >> 1) % 17;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  scan(bytes);
  const transcript whole = run(bytes, bytes.size() + 1, head);
  const transcript pieces = run(bytes, piece, head);
  check(whole == pieces);
  return 0;
}
