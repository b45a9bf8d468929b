#include <gadgetgrove/core/result.hpp>

#include <cerrno>
#include <ostream>
#include <stdexcept>
#include <system_error>

namespace gg {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_input:
      return "invalid_input";
    case errc::not_found:
      return "not_found";
    case errc::conflict:
      return "conflict";
    case errc::unavailable:
      return "unavailable";
    case errc::io:
      return "io";
    case errc::no_space:
      return "no_space";
    case errc::database:
      return "database";
    case errc::timeout:
      return "timeout";
    case errc::cancelled:
      return "cancelled";
    case errc::config:
      return "config";
    case errc::internal:
      return "internal";
  }
  return "unknown";
}

void throw_exception_from_error(const error& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

error from_errno(std::string_view what, int err) {
  std::string message;
  message.reserve(what.size() + 40);
  message.append(what);
  message.append(": ");
  // std::system_category().message() is thread-safe, unlike strerror().
  message.append(std::system_category().message(err));

  errc code = errc::io;
  bool retriable = false;
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      code = errc::not_found;
      break;
    case EEXIST:
    case EBUSY:
    case EADDRINUSE:
      code = errc::conflict;
      break;
    case ENOSPC:
    case EDQUOT:
      code = errc::no_space;
      retriable = true;
      break;
    case EAGAIN:
    case EINTR:
    case ENOMEM:
    case ENOBUFS:
    case EMFILE:
    case ENFILE:
    case ECONNREFUSED:
    case ECONNRESET:
    case ECONNABORTED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EPIPE:
      code = errc::unavailable;
      retriable = true;
      break;
    case ETIMEDOUT:
      code = errc::timeout;
      retriable = true;
      break;
    case ECANCELED:
      code = errc::cancelled;
      break;
    case EINVAL:
    case ENAMETOOLONG:
    case E2BIG:
    case EFBIG:
      code = errc::invalid_input;
      break;
    default:
      break;
  }
  return error{code, std::move(message), retriable};
}

std::ostream& operator<<(std::ostream& os, const error& e) {
  return os << to_string(e.code) << ": " << e.message;
}

}  // namespace gg
