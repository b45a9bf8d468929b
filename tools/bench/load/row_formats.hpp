#pragma once
// The reference encodings the load benchmark compares against the loader's binary COPY:
// PostgreSQL's COPY text format, CSV (for psql's \copy) and plain text values (for
// parameterised INSERTs).

#include "event_row.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace gg::bench {

/// Appends one row in COPY's text format (tab-separated, \N for NULL, backslash escapes).
void append_text_row(std::string& out, const loader::event_row& row);

/// Appends one row as CSV (COPY ... WITH (FORMAT csv): empty unquoted field for NULL).
void append_csv_row(std::string& out, const loader::event_row& row);

/// The 15 values of many rows in PostgreSQL's text input form, stored in one arena:
/// value i of row r is text.substr(offsets[r*15+i], lengths[r*15+i]), length -1 meaning NULL.
struct param_rows {
  std::string text;
  std::vector<std::uint32_t> offsets;
  std::vector<std::int32_t> lengths;
  std::size_t rows() const noexcept { return lengths.size() / loader::event_columns.size(); }
  void append(const loader::event_row& row);
};

/// "YYYY-MM-DD HH:MM:SS.ffffff+00": read the same whatever the session's DateStyle or TimeZone.
void append_pg_timestamp(std::string& out, sys_us t);

}  // namespace gg::bench
