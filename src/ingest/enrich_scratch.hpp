#pragma once
// The per-thread state of enrichment: the parser and its padded input, the request's part of
// every line, and the cache of recent clients' fields.

#include "timestamp_text.hpp"

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace gg::ingest::detail {

/// Per-thread scratch: the padded copy of the body, the parser and its buffers, and the
/// request's part of every line. Reused so that a warm thread allocates only the lines.
struct thread_scratch {
  simdjson::ondemand::parser parser;
  std::unique_ptr<char[]> padded;
  std::size_t padded_capacity = 0;
  std::string tail;
  std::string ip;
  // The client fields (address, visitor hash, agent, bot mark) of recent clients: a visitor's
  // browser sends every event as its own request, with the same address and agent.
  struct client_entry {
    std::uint64_t enricher_id = 0;  // 0: empty
    std::int64_t day = 0;
    std::string peer;
    std::string user_agent;
    std::string fields;
  };
  std::array<client_entry, 64> clients;
  timestamp_text received_text;
  timestamp_text processed_text;
};

/// The calling thread's scratch.
thread_scratch& scratch();

}  // namespace gg::ingest::detail
