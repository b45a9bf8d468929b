#include "http_client.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gg::test {

namespace {

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (std::tolower(x) != std::tolower(y)) return false;
  }
  return true;
}

bool has_field(const http_fields& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (iequal(k, name)) return true;
  }
  return false;
}

std::runtime_error sys_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

std::optional<std::string> http_reply::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequal(k, name)) return v;
  }
  return std::nullopt;
}

http_client::http_client(unsigned short port, std::string host) : host_(std::move(host)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw sys_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1) {
    close();
    throw std::runtime_error("not an IPv4 address: " + host_);
  }
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const auto err = sys_error("connect " + host_ + ":" + std::to_string(port));
    close();
    throw err;
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  host_ += ":" + std::to_string(port);
}

http_client::~http_client() { close(); }

http_client::http_client(http_client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      host_(std::move(other.host_)),
      buffer_(std::move(other.buffer_)),
      timeout_(other.timeout_) {}

http_client& http_client::operator=(http_client&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    host_ = std::move(other.host_);
    buffer_ = std::move(other.buffer_);
    timeout_ = other.timeout_;
  }
  return *this;
}

void http_client::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void http_client::set_timeout(std::chrono::milliseconds t) { timeout_ = t; }

void http_client::shutdown_send() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

std::string http_client::format_request(std::string_view method, std::string_view target,
                                        std::string_view body, const http_fields& fields) {
  std::string out;
  out.reserve(128 + body.size());
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  if (!has_field(fields, "host")) out.append("Host: 127.0.0.1\r\n");
  const bool wants_length =
      !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (wants_length && !has_field(fields, "content-length") &&
      !has_field(fields, "transfer-encoding")) {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  for (const auto& [k, v] : fields) out.append(k).append(": ").append(v).append("\r\n");
  out.append("\r\n").append(body);
  return out;
}

http_reply http_client::request(std::string_view method, std::string_view target,
                                std::string_view body, const http_fields& fields) {
  send_raw(format_request(method, target, body, fields));
  return read_reply(method == "HEAD");
}

http_reply http_client::get(std::string_view target, const http_fields& fields) {
  return request("GET", target, {}, fields);
}

http_reply http_client::post(std::string_view target, std::string_view body,
                             std::string_view content_type, const http_fields& fields) {
  http_fields all = fields;
  if (!has_field(all, "content-type")) all.emplace_back("Content-Type", std::string{content_type});
  return request("POST", target, body, all);
}

void http_client::send_raw(std::string_view bytes) {
  if (fd_ < 0) throw std::runtime_error("send on a closed client");
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw sys_error("send");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::size_t http_client::send_slowly(std::string_view bytes, std::chrono::milliseconds gap) {
  std::size_t sent = 0;
  for (const char c : bytes) {
    if (fd_ < 0) break;
    const ssize_t n = ::send(fd_, &c, 1, MSG_NOSIGNAL);
    if (n != 1) break;
    ++sent;
    std::this_thread::sleep_for(gap);
  }
  return sent;
}

std::size_t http_client::fill() {
  if (fd_ < 0) throw std::runtime_error("read on a closed client");
  pollfd p{fd_, POLLIN, 0};
  while (true) {
    const int r = ::poll(&p, 1, static_cast<int>(timeout_.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw sys_error("poll");
    if (r == 0) throw std::runtime_error("timed out waiting for the server");
    break;
  }
  char chunk[16 * 1024];
  while (true) {
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ECONNRESET) return 0;
    if (n < 0) throw sys_error("recv");
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return static_cast<std::size_t>(n);
  }
}

std::string http_client::read_line() {
  while (true) {
    if (const auto pos = buffer_.find("\r\n"); pos != std::string::npos) {
      std::string line = buffer_.substr(0, pos);
      buffer_.erase(0, pos + 2);
      return line;
    }
    if (fill() == 0) throw std::runtime_error("connection closed inside a response head");
  }
}

std::string http_client::read_exact(std::size_t n) {
  while (buffer_.size() < n) {
    if (fill() == 0) throw std::runtime_error("connection closed inside a response body");
  }
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return out;
}

std::optional<http_reply> http_client::try_read_reply(bool head_request) {
  if (buffer_.empty() && fill() == 0) return std::nullopt;
  return read_reply(head_request);
}

http_reply http_client::read_reply(bool head_request, bool return_interim) {
  http_reply reply;
  std::string status_line = read_line();
  // Interim responses (100 Continue) precede the final one.
  while (true) {
    if (status_line.size() < 12 || status_line.compare(0, 5, "HTTP/") != 0) {
      throw std::runtime_error("malformed status line: " + status_line);
    }
    reply.status = static_cast<unsigned>(std::stoul(status_line.substr(9, 3)));
    reply.reason = status_line.size() > 13 ? status_line.substr(13) : std::string{};
    if (reply.status >= 200 || return_interim) break;
    while (!read_line().empty()) {
    }
    status_line = read_line();
  }
  while (true) {
    const std::string line = read_line();
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string::npos) throw std::runtime_error("malformed header: " + line);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    reply.headers.emplace_back(line.substr(0, colon), std::move(value));
  }
  if (head_request || reply.status < 200 || reply.status == 204 || reply.status == 304) {
    return reply;
  }
  if (const auto te = reply.header("transfer-encoding"); te && iequal(*te, "chunked")) {
    while (true) {
      const std::string size_line = read_line();
      const std::size_t size = std::stoul(size_line, nullptr, 16);
      if (size == 0) {
        while (!read_line().empty()) {
        }
        break;
      }
      reply.body += read_exact(size);
      if (!read_line().empty()) throw std::runtime_error("malformed chunk");
    }
  } else if (const auto cl = reply.header("content-length")) {
    reply.body = read_exact(std::stoul(*cl));
  } else {
    while (fill() > 0) {
    }
    reply.body = std::move(buffer_);
    buffer_.clear();
  }
  return reply;
}

bool http_client::wait_closed(std::chrono::milliseconds wait) {
  if (fd_ < 0) return true;
  const auto until = std::chrono::steady_clock::now() + wait;
  pollfd p{fd_, POLLIN, 0};
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
    if (n > 0) return false;
  }
}

}  // namespace gg::test
