#include "report_table.hpp"

#include <gadgetgrove/core/json_escape.hpp>

#include <fmt/format.h>

#include <stdexcept>

namespace gg::app {
namespace {

std::string markdown_cell(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

report_table::cell::cell(double v, int decimals)
    : text(fmt::format("{:.{}f}", v, decimals)), number(true) {}

report_table::report_table(std::vector<std::string> columns) : columns_(std::move(columns)) {}

void report_table::add_row(std::vector<cell> cells) {
  if (cells.size() != columns_.size()) {
    throw std::logic_error(
        fmt::format("report row of {} cells for {} columns", cells.size(), columns_.size()));
  }
  rows_.push_back(std::move(cells));
}

std::string report_table::markdown() const {
  std::string out = "|";
  for (const auto& c : columns_) out += " " + markdown_cell(c) + " |";
  out += "\n|";
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const bool number = !rows_.empty() && rows_.front()[i].number;
    out += number ? " ---: |" : " --- |";
  }
  out += '\n';
  for (const auto& row : rows_) {
    out += '|';
    for (const auto& c : row) out += " " + markdown_cell(c.text) + " |";
    out += '\n';
  }
  return out;
}

std::string report_table::json() const {
  std::string out = "[";
  for (std::size_t r = 0; r < rows_.size(); ++r) {
    if (r > 0) out += ',';
    out += '{';
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) out += ',';
      append_json_string(out, columns_[i]);
      out += ':';
      if (rows_[r][i].number) {
        out += rows_[r][i].text;
      } else {
        append_json_string(out, rows_[r][i].text);
      }
    }
    out += '}';
  }
  out += ']';
  return out;
}

}  // namespace gg::app
