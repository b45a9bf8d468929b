#include <gadgetgrove/pg/sqlstate.hpp>

#include <string>

namespace gg::pg {

namespace {

// The server is gone, restarting or out of resources: the same request can work later,
// usually on a new connection.
bool server_unavailable(std::string_view sqlstate) noexcept {
  return sqlstate.starts_with("08") || sqlstate.starts_with("53") || sqlstate == "57P01" ||
         sqlstate == "57P02" || sqlstate == "57P03";
}

}  // namespace

bool is_retriable(std::string_view sqlstate, bool connection_lost) noexcept {
  if (connection_lost) return true;
  if (sqlstate.size() != 5) return false;
  return server_unavailable(sqlstate) || sqlstate == "40001" || sqlstate == "40P01";
}

error make_error(std::string_view what, std::string_view sqlstate, std::string_view message,
                 bool connection_lost) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.remove_suffix(1);
  }
  std::string text;
  text.reserve(what.size() + message.size() + 32);
  text.append(what);
  text.append(": ");
  text.append(message.empty() ? std::string_view{"unknown error"} : message);
  if (!sqlstate.empty()) {
    text.append(" (SQLSTATE ");
    text.append(sqlstate);
    text.push_back(')');
  } else if (connection_lost) {
    text.append(" (connection lost)");
  }
  const bool unavailable = connection_lost || server_unavailable(sqlstate);
  return error{unavailable ? errc::unavailable : errc::database, std::move(text),
               is_retriable(sqlstate, connection_lost), std::string{sqlstate}};
}

retry_scope retry_of(const error& e) noexcept {
  if (!e.retriable || (e.code != errc::database && e.code != errc::unavailable))
    return retry_scope::none;
  if (e.sqlstate == "40001" || e.sqlstate == "40P01") return retry_scope::transaction;
  return retry_scope::connection;
}

bool is_data_error(const error& e) noexcept {
  if (e.code != errc::database) return false;
  const std::string_view state = e.sqlstate;
  return state.starts_with("22") || state.starts_with("23") || state.starts_with("54");
}

}  // namespace gg::pg
