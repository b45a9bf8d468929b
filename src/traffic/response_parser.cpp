#include "response_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace gg::traffic::detail {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool icontains(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

void response_parser::reset(bool head_request) {
  std::size_t rest = 0;
  if (state_ == state::complete && consumed_ < size_) {
    // Bytes past the previous response belong to the next one.
    rest = size_ - consumed_;
    std::memmove(buffer_.data(), buffer_.data() + consumed_, rest);
  }
  size_ = rest;
  start_ = body_at_ = consumed_ = 0;
  head_done_ = chunked_ = until_close_ = close_ = false;
  head_request_ = head_request;
  content_length_ = chunk_scan_ = 0;
  chunked_body_.clear();
  state_ = state::need_more;
  error_ = "";
  status_ = 0;
  body_ = {};
  set_cookies_.clear();
}

void response_parser::clear() {
  state_ = state::need_more;
  reset();
}

char* response_parser::prepare(std::size_t min) {
  if (buffer_.size() - size_ < min) {
    // The Set-Cookie views of a head whose body is still arriving point into the buffer: keep
    // their offsets across the reallocation.
    std::vector<std::size_t> offsets;
    offsets.reserve(set_cookies_.size());
    for (auto c : set_cookies_)
      offsets.push_back(static_cast<std::size_t>(c.data() - buffer_.data()));
    buffer_.resize(std::max(buffer_.size() * 2, size_ + min));
    for (std::size_t i = 0; i < offsets.size(); ++i) {
      set_cookies_[i] = std::string_view(buffer_.data() + offsets[i], set_cookies_[i].size());
    }
  }
  return buffer_.data() + size_;
}

response_parser::state response_parser::commit(std::size_t n) {
  size_ += n;
  if (size_ > 0 && state_ == state::need_more) return parse();
  return state_;
}

response_parser::state response_parser::on_eof() {
  if (state_ != state::need_more) return state_;
  if (head_done_ && until_close_) {
    body_ = std::string_view(buffer_.data() + body_at_, size_ - body_at_);
    close_ = true;
    consumed_ = size_;
    return state_ = state::complete;
  }
  return fail(size_ == 0 ? "connection closed before a response"
                         : "connection closed mid-response");
}

response_parser::state response_parser::parse() {
  if (!head_done_) {
    const state s = parse_head();
    if (s != state::need_more || !head_done_) return s;
  }
  if (chunked_) return parse_chunks();
  if (until_close_) {
    if (size_ - body_at_ > body_limit) return fail("body too large");
    return state_;
  }
  if (size_ - body_at_ < content_length_) return state_;
  body_ = std::string_view(buffer_.data() + body_at_, content_length_);
  consumed_ = body_at_ + content_length_;
  return state_ = state::complete;
}

response_parser::state response_parser::parse_head() {
  const std::string_view data(buffer_.data() + start_, size_ - start_);
  const auto end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    return data.size() > header_limit ? fail("header too large") : state_;
  }
  // The same limit when the whole head arrived in one read as when it came in pieces.
  if (end + 4 > header_limit) return fail("header too large");
  std::string_view head = data.substr(0, end + 2);
  body_at_ = start_ + end + 4;

  const auto line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") {
    return fail("malformed status line");
  }
  const bool http10 = status_line.substr(5, 3) == "1.0";
  unsigned code = 0;
  auto [p, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, code);
  if (ec != std::errc{} || p != status_line.data() + 12 || code < 100 || code > 999) {
    return fail("malformed status code");
  }
  status_ = code;
  close_ = http10;

  bool have_length = false;
  head.remove_prefix(line_end + 2);
  while (!head.empty()) {
    const auto eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::size_t n = 0;
      auto [q, e] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (e != std::errc{} || q != value.data() + value.size()) {
        return fail("malformed Content-Length");
      }
      if (n > body_limit) return fail("body too large");
      content_length_ = n;
      have_length = true;
    } else if (iequals(name, "transfer-encoding")) {
      chunked_ = icontains(value, "chunked");
    } else if (iequals(name, "connection")) {
      if (icontains(value, "close")) close_ = true;
      if (icontains(value, "keep-alive")) close_ = false;
    } else if (iequals(name, "set-cookie")) {
      set_cookies_.push_back(value);
    }
  }
  head_done_ = true;

  if (code >= 100 && code < 200) {
    // An interim response: skip it and parse the real one that follows.
    start_ = body_at_;
    head_done_ = false;
    set_cookies_.clear();
    return parse();
  }
  if (head_request_ || code == 204 || code == 304) {
    content_length_ = 0;
    chunked_ = false;
  } else if (chunked_) {
    chunk_scan_ = body_at_;
  } else if (!have_length) {
    until_close_ = true;
    close_ = true;
  }
  return state_;
}

response_parser::state response_parser::parse_chunks() {
  while (true) {
    const std::string_view rest(buffer_.data() + chunk_scan_, size_ - chunk_scan_);
    // A chunk-size line longer than 1 KiB is refused whether its end is already here or not,
    // so the verdict does not depend on how the bytes were split into reads. Without its CRLF
    // yet, the last byte may be the CR, so only a rest over the limit plus one is surely too long.
    constexpr std::size_t chunk_line_limit = 1024;
    const auto eol = rest.find("\r\n");
    if (eol == std::string_view::npos) {
      return rest.size() > chunk_line_limit + 1 ? fail("malformed chunk size") : state_;
    }
    if (eol > chunk_line_limit) return fail("malformed chunk size");
    std::size_t n = 0;
    const std::string_view size_text = rest.substr(0, rest.substr(0, eol).find(';'));
    auto [p, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), n, 16);
    if (ec != std::errc{} || p == size_text.data()) return fail("malformed chunk size");
    if (n > body_limit || chunked_body_.size() + n > body_limit) return fail("body too large");
    if (n == 0) {
      // Trailer fields until an empty line.
      const auto trailer_end = rest.find("\r\n\r\n", eol);
      if (trailer_end == std::string_view::npos) return state_;
      consumed_ = chunk_scan_ + trailer_end + 4;
      break;
    }
    if (rest.size() < eol + 2 + n + 2) return state_;
    chunked_body_.append(rest.data() + eol + 2, n);
    chunk_scan_ += eol + 2 + n + 2;
  }
  body_ = chunked_body_;
  return state_ = state::complete;
}

}  // namespace gg::traffic::detail
