#include "request_decoder.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

namespace gg::http::detail {

namespace beast_http = boost::beast::http;

namespace {

/// Room for a whole header at the limit plus one read of body bytes behind it.
constexpr std::size_t min_capacity = 16 * 1024;

/// Why the message framing of a parsed header is refused, or empty. RFC 9112 §6.1: a request
/// whose Transfer-Encoding does not end in `chunked` has no knowable length, and one that has
/// both Transfer-Encoding and Content-Length may be framed differently by a proxy in front;
/// either is answered 400 and the connection closed. `chunked` is the only coding served, so
/// the list must be exactly that one token (all Transfer-Encoding fields read as one list).
std::string_view framing_error(const beast_http::request<beast_http::string_body>& msg) {
  std::size_t codings = 0;
  bool chunked_last = false;
  bool any_field = false;
  for (const auto& f : msg) {
    if (f.name() != beast_http::field::transfer_encoding) continue;
    any_field = true;
    std::string_view list = f.value();
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      std::string_view token = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
        token.remove_prefix(1);
      }
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
        token.remove_suffix(1);
      if (token.empty()) continue;
      ++codings;
      chunked_last = iequals(token, "chunked");
    }
  }
  if (!any_field) return {};
  if (msg.find(beast_http::field::content_length) != msg.end()) {
    return "Transfer-Encoding with Content-Length";
  }
  if (codings != 1 || !chunked_last) return "unsupported Transfer-Encoding";
  return {};
}

}  // namespace

struct request_decoder::parser_holder {
  std::optional<beast_http::request_parser<beast_http::string_body>> parser;
};

request_decoder::request_decoder(std::size_t header_limit)
    : parser_(std::make_unique<parser_holder>()),
      capacity_(std::max(header_limit + 1, min_capacity)),
      header_limit_(header_limit) {
  buffer_ = std::make_unique<char[]>(capacity_);
}

request_decoder::~request_decoder() = default;

std::span<char> request_decoder::prepare() {
  if (begin_ > 0) {
    // Leftover bytes are at most one header's worth; moving them is cheaper than a ring.
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  return {buffer_.get() + end_, capacity_ - end_};
}

void request_decoder::commit(std::size_t n) noexcept { end_ = std::min(end_ + n, capacity_); }

bool request_decoder::in_message() const noexcept {
  return buffered() > 0 || (parser_->parser && parser_->parser->got_some());
}

request_decoder::state request_decoder::parse() {
  if (error_ != decode_error::none) return state::failed;
  auto& holder = *parser_;
  if (!holder.parser) {
    holder.parser.emplace();
    holder.parser->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(header_limit_, std::numeric_limits<std::uint32_t>::max())));
    // The route decides the body limit once the header is known (set_body_limit).
    holder.parser->body_limit(boost::none);
  }
  auto& p = *holder.parser;
  while (true) {
    if (p.is_header_done() && !header_reported_) {
      header_reported_ = true;
      if (const std::string_view why = framing_error(p.get()); !why.empty()) {
        error_ = decode_error::bad_request;
        error_text_ = why;
        return state::failed;
      }
      return state::header_ready;
    }
    if (p.is_done()) return state::message_ready;
    if (buffered() == 0) return state::need_more;

    boost::system::error_code ec;
    const std::size_t n = p.put(boost::asio::buffer(buffer_.get() + begin_, buffered()), ec);
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
    if (ec == beast_http::error::need_more) return state::need_more;
    if (ec) {
      if (ec == beast_http::error::header_limit) {
        error_ = decode_error::header_too_large;
        error_text_ = "header too large";
      } else if (ec == beast_http::error::body_limit) {
        error_ = decode_error::body_too_large;
        error_text_ = "body too large";
      } else {
        error_ = decode_error::bad_request;
        error_text_ = "malformed request";
      }
      return state::failed;
    }
    if (n == 0) return state::need_more;
  }
}

verb request_decoder::method() const noexcept {
  return parse_verb(parser_->parser->get().method_string());
}

std::string_view request_decoder::target() const noexcept {
  return parser_->parser->get().target();
}

bool request_decoder::expects_continue() const noexcept {
  const auto& msg = parser_->parser->get();
  const auto it = msg.find(beast_http::field::expect);
  return it != msg.end() && iequals(it->value(), "100-continue");
}

bool request_decoder::body_pending() const noexcept {
  const auto& p = *parser_->parser;
  return !p.is_done() && buffered() == 0 && p.get().body().empty();
}

void request_decoder::set_body_limit(std::size_t limit) {
  auto& p = *parser_->parser;
  if (const auto length = p.content_length(); length && *length > limit) {
    error_ = decode_error::body_too_large;
    error_text_ = "body too large";
    return;
  }
  p.body_limit(limit);
  // From here on the body may be parsed in as large steps as the buffer allows.
  p.eager(true);
}

request request_decoder::take() {
  auto& p = *parser_->parser;
  auto& msg = p.get();
  request r;
  r.method = parse_verb(msg.method_string());
  r.target.assign(msg.target().data(), msg.target().size());
  r.version = msg.version();
  r.keep_alive = msg.keep_alive();
  std::size_t fields = 0;
  std::size_t bytes = 0;
  for (const auto& f : msg) {
    ++fields;
    bytes += f.name_string().size() + f.value().size();
  }
  r.headers.reserve(fields, bytes);
  for (const auto& f : msg) r.headers.add(f.name_string(), f.value());
  r.body = std::move(msg.body());
  r.received_at = std::chrono::steady_clock::now();
  parser_->parser.reset();
  header_reported_ = false;
  return r;
}

std::string_view request_decoder::error_text() const noexcept { return error_text_; }

}  // namespace gg::http::detail
