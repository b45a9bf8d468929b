#pragma once
// One row of a raw_data.<queue> table, as mapped from one segment line
// ("Loader mapping" in the segment format description).

#include <gadgetgrove/core/time.hpp>
#include <gadgetgrove/core/uuid.hpp>

#include <array>
#include <optional>
#include <string_view>

namespace gg::loader {

/// The mapped columns of one event. The views point into the line or into the line_parser that
/// produced the row and stay valid until that parser's next parse. An empty optional is SQL NULL.
struct event_row {
  gg::uuid event_id;
  std::optional<std::string_view> type;
  std::optional<std::string_view> event;
  std::optional<sys_us> timestamp;
  sys_us server_timestamp{};
  std::optional<std::string_view> session_id;
  std::optional<std::string_view> user_id;
  std::optional<std::string_view> client_ip;
  std::optional<std::string_view> user_agent;
  std::optional<std::string_view> url;
  std::optional<std::string_view> path;
  std::optional<std::string_view> properties;  // the raw JSON text of an object (jsonb)
  std::string_view queue_name;
  std::optional<sys_us> processed_timestamp;
  bool is_bot = false;
};

/// The raw_data.<queue> columns the loader writes, in COPY order.
inline constexpr std::array<std::string_view, 15> event_columns = {
    "event_id",   "type",       "event",      "\"timestamp\"",       "server_timestamp",
    "session_id", "user_id",    "client_ip",  "user_agent",          "url",
    "path",       "properties", "queue_name", "processed_timestamp", "is_bot"};

}  // namespace gg::loader
