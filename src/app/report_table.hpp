#pragma once
// A table of a flow's report: rendered once as Markdown (the artifact's body) and once as a
// JSON array of row objects (its data), so both always state the same facts.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gg::app {

/// Columns fixed at construction; rows added one cell per column. Not thread-safe.
class report_table {
 public:
  explicit report_table(std::vector<std::string> columns);

  /// One cell: text (a JSON string) or a number (a JSON number, right-aligned).
  struct cell {
    cell(std::string_view t) : text(t) {}  // NOLINT: cells read naturally as literals
    cell(const std::string& t) : text(t) {}
    cell(const char* t) : text(t) {}
    cell(std::uint64_t n) : text(std::to_string(n)), number(true) {}
    cell(double v, int decimals);
    std::string text;
    bool number = false;
  };

  /// Adds a row; std::logic_error when it has not one cell per column (a programming error).
  void add_row(std::vector<cell> cells);
  bool empty() const noexcept { return rows_.empty(); }
  std::size_t size() const noexcept { return rows_.size(); }

  /// The Markdown table; a '|' or a line break inside a cell cannot break its row.
  std::string markdown() const;
  /// [{"column": value, ...}, ...]
  std::string json() const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<cell>> rows_;
};

}  // namespace gg::app
