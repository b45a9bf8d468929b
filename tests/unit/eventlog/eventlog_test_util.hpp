#pragma once
// Helpers shared by the event log unit tests: test lines, reading back what a queue directory
// holds, and waiting for a condition with a deadline.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>
#include "fault_file_system.hpp"

#include <catch2/catch.hpp>
#include <eventually.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <source_location>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

// Catch prints a failed CHECK(result) as "ok" or the error's code and message (Boost's own
// operator<< needs one for the value type too).
namespace Catch {
template <class T>
struct StringMaker<boost::system::result<T, gg::error>> {
  static std::string convert(const boost::system::result<T, gg::error>& r) {
    if (r) return "ok";
    return std::string(gg::to_string(r.error().code)) + ": " + r.error().message;
  }
};
}  // namespace Catch

namespace gg::eventlog::test {

/// A compact event object whose event_id is `id`.
inline std::string event_line(std::string_view id, std::string_view extra = "x") {
  std::string s = R"({"event_id":")";
  s.append(id);
  s.append(R"(","type":"page_view","note":")");
  s.append(extra);
  s.append("\"}");
  return s;
}

/// The event_id of a framed line, or empty.
inline std::string id_of(std::string_view line) {
  constexpr std::string_view key = R"("event_id":")";
  const auto p = line.find(key);
  if (p == std::string_view::npos) return {};
  const auto start = p + key.size();
  return std::string(line.substr(start, line.find('"', start) - start));
}

/// A framed segment body made of `objects`.
inline std::string segment_of(const std::vector<std::string>& objects) {
  std::string out;
  for (const auto& o : objects) append_framed(o, out);
  return out;
}

/// Every file under `dir` (directly), name -> content, from a fault_file_system.
inline std::map<std::string, std::string> files_in(const fault_file_system& fs,
                                                   const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& path : fs.files()) {
    if (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
        path[dir.size()] == '/' && path.find('/', dir.size() + 1) == std::string::npos) {
      out[path.substr(dir.size() + 1)] = *fs.contents(path);
    }
  }
  return out;
}

/// All lines (with their newline) of the segments in `dir`, in file-name order; `bad` counts
/// lines that fail verification.
struct read_back {
  std::vector<std::string> lines;
  std::size_t bad = 0;
  std::size_t open_files = 0;
  std::size_t sealed_files = 0;
};
inline read_back read_queue(const fault_file_system& fs, const std::string& dir) {
  read_back r;
  for (const auto& [name, data] : files_in(fs, dir)) {
    if (name.ends_with(open_suffix)) {
      ++r.open_files;
    } else if (name.ends_with(sealed_suffix)) {
      ++r.sealed_files;
    } else {
      continue;
    }
    std::size_t pos = 0;
    while (pos < data.size()) {
      auto nl = data.find('\n', pos);
      const std::size_t end = nl == std::string::npos ? data.size() : nl + 1;
      std::string line = data.substr(pos, end - pos);
      if (!verify_line(line)) ++r.bad;
      r.lines.push_back(std::move(line));
      pos = end;
    }
  }
  return r;
}

/// The suite's bounded poll (gg::test::eventually) with this stage's longer default timeout:
/// the log's writer waits on fsync, which a loaded disk can stretch.
template <class Pred>
bool eventually(Pred&& pred, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                std::source_location where = std::source_location::current()) {
  return gg::test::eventually(std::forward<Pred>(pred), timeout, std::chrono::milliseconds(2), {},
                              where);
}

}  // namespace gg::eventlog::test
