#pragma once
// Reads the members the client needs from the server's JSON answers (ingest's acknowledgements,
// the shop's session and checkout answers) with simdjson's DOM parser (runtime-dispatched to the
// CPU's SIMD kernel; the On-Demand front end would be the portable fallback kernel here, as the
// build sets no -march): one validating parse, members in any order and with any escaping.

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace gg::traffic::detail {

/// One element of a batch answer's "results".
struct answer_result {
  bool success = false;       // its "status" is "success"
  std::string_view event_id;  // empty when absent
};

/// The members of one answer that the client reads. A member that is absent, or not of the
/// expected type, is nullopt. The views point into the reader's storage (see read_answer).
struct answer {
  std::optional<std::string_view> status;
  std::optional<std::string_view> error;
  std::optional<std::string_view> reason;
  std::optional<std::string_view> event_id;
  std::optional<std::string_view> session_id;
  std::optional<std::string_view> order_id;
  std::optional<std::string_view> user_name;   // "user":{"name"}
  std::optional<std::string_view> user_email;  // "user":{"email"}
  std::optional<double> total;                 // any JSON number
  bool has_results = false;                    // "results" is an array
  std::vector<answer_result> results;
};

/// Reads `body`, which need not be padded or outlive the call. An empty body, or one that is
/// not a JSON object, gives an answer with nothing set. The answer and its views stay valid
/// until the next call on the same thread (the parser and its buffers are per thread).
const answer& read_answer(std::string_view body);

}  // namespace gg::traffic::detail
