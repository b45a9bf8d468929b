#include <gadgetgrove/http/response.hpp>

#include <gadgetgrove/core/json_escape.hpp>

#include <algorithm>

namespace gg::http {

namespace {

constexpr char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

response response::typed(unsigned status, std::string content_type, std::string body) {
  response r;
  r.status = status;
  r.headers.push_back({"Content-Type", std::move(content_type)});
  r.body = std::move(body);
  return r;
}

response response::json(unsigned status, std::string body) {
  return typed(status, "application/json", std::move(body));
}

response response::text(unsigned status, std::string body) {
  return typed(status, "text/plain; charset=utf-8", std::move(body));
}

response response::redirect(unsigned status, std::string location) {
  response r;
  r.status = status;
  r.headers.push_back({"Location", std::move(location)});
  return r;
}

response& response::set_header(std::string_view name, std::string value) {
  std::erase_if(headers, [&](const http::header& h) { return iequals(h.name, name); });
  headers.push_back({std::string{name}, std::move(value)});
  return *this;
}

response& response::add_header(std::string name, std::string value) {
  headers.push_back({std::move(name), std::move(value)});
  return *this;
}

std::optional<std::string_view> response::header(std::string_view name) const noexcept {
  for (const http::header& h : headers) {
    if (iequals(h.name, name)) return std::string_view{h.value};
  }
  return std::nullopt;
}

response error_json(unsigned status, std::string_view reason) {
  std::string body;
  body.reserve(reason.size() + 32);
  body += R"({"status":"error","error":)";
  gg::append_json_string(body, reason);
  body.push_back('}');
  return response::json(status, std::move(body));
}

std::string_view reason_phrase(unsigned status) noexcept {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 507:
      return "Insufficient Storage";
    default:
      return "Unknown";
  }
}

}  // namespace gg::http
