#include "row_formats.hpp"

#include <gadgetgrove/core/uuid.hpp>

#include <cstring>

namespace gg::bench {
namespace {

using loader::event_row;

void append_text_escaped(std::string& out, std::string_view v) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    const char* esc = nullptr;
    switch (c) {
      case '\\':
        esc = "\\\\";
        break;
      case '\t':
        esc = "\\t";
        break;
      case '\n':
        esc = "\\n";
        break;
      case '\r':
        esc = "\\r";
        break;
      default:
        continue;
    }
    out.append(v.substr(start, i - start));
    out.append(esc);
    start = i + 1;
  }
  out.append(v.substr(start));
}

void append_csv_quoted(std::string& out, std::string_view v) {
  if (v.find_first_of("\",\n\r") == std::string_view::npos && !v.empty()) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (const char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

// Calls `emit(value or nullopt)` for the 15 columns in event_columns order.
template <class F>
void for_each_value(const event_row& row, std::string& scratch, F&& emit) {
  auto text = [&](const std::optional<std::string_view>& v) { emit(v); };
  auto time = [&](const std::optional<sys_us>& t) {
    if (!t) return emit(std::nullopt);
    scratch.clear();
    append_pg_timestamp(scratch, *t);
    emit(std::string_view{scratch});
  };
  char id[uuid_text_size];
  row.event_id.write(id);
  emit(std::string_view{id, sizeof id});
  text(row.type);
  text(row.event);
  time(row.timestamp);
  time(row.server_timestamp);
  text(row.session_id);
  text(row.user_id);
  text(row.client_ip);
  text(row.user_agent);
  text(row.url);
  text(row.path);
  text(row.properties);
  text(row.queue_name);
  time(row.processed_timestamp);
  emit(std::string_view{row.is_bot ? "t" : "f"});
}

}  // namespace

void append_pg_timestamp(std::string& out, sys_us t) {
  char iso[iso8601_us_size];
  format_iso8601_us(t, iso);
  iso[10] = ' ';
  out.append(iso, iso8601_us_size - 1);  // without the 'Z'
  out.append("+00");
}

void append_text_row(std::string& out, const event_row& row) {
  std::string scratch;
  bool first = true;
  for_each_value(row, scratch, [&](const std::optional<std::string_view>& v) {
    if (!first) out.push_back('\t');
    first = false;
    if (v) {
      append_text_escaped(out, *v);
    } else {
      out.append("\\N");
    }
  });
  out.push_back('\n');
}

void append_csv_row(std::string& out, const event_row& row) {
  std::string scratch;
  bool first = true;
  for_each_value(row, scratch, [&](const std::optional<std::string_view>& v) {
    if (!first) out.push_back(',');
    first = false;
    if (v) append_csv_quoted(out, *v);
  });
  out.push_back('\n');
}

void param_rows::append(const event_row& row) {
  std::string scratch;
  for_each_value(row, scratch, [&](const std::optional<std::string_view>& v) {
    offsets.push_back(static_cast<std::uint32_t>(text.size()));
    if (v) {
      lengths.push_back(static_cast<std::int32_t>(v->size()));
      text.append(*v);
    } else {
      lengths.push_back(-1);
    }
  });
}

}  // namespace gg::bench
