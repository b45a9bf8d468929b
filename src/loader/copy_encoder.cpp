#include "copy_encoder.hpp"

#include <cstring>

namespace gg::loader {
namespace {

template <class U>
void put_be(std::string& out, U v) {
  char bytes[sizeof(U)];
  for (std::size_t i = 0; i < sizeof(U); ++i) {
    bytes[sizeof(U) - 1 - i] = static_cast<char>(v & 0xff);
    v = static_cast<U>(v >> 8);
  }
  out.append(bytes, sizeof(U));
}

constexpr char signature[] = "PGCOPY\n\377\r\n";  // 11 bytes with the terminating NUL

}  // namespace

void copy_encoder::header() {
  out_->append(signature, sizeof(signature));
  put_be<std::uint32_t>(*out_, 0);  // flags: no OIDs
  put_be<std::uint32_t>(*out_, 0);  // header extension length
}

void copy_encoder::trailer() { put_be<std::uint16_t>(*out_, 0xffff); }

void copy_encoder::row(std::int16_t fields) {
  put_be<std::uint16_t>(*out_, static_cast<std::uint16_t>(fields));
}

void copy_encoder::length(std::int32_t n) {
  put_be<std::uint32_t>(*out_, static_cast<std::uint32_t>(n));
}

void copy_encoder::null() { length(-1); }

void copy_encoder::text(std::string_view v) {
  length(static_cast<std::int32_t>(v.size()));
  out_->append(v);
}

void copy_encoder::text(const std::optional<std::string_view>& v) {
  if (v) {
    text(*v);
  } else {
    null();
  }
}

void copy_encoder::jsonb(const std::optional<std::string_view>& v) {
  if (!v) {
    null();
    return;
  }
  length(static_cast<std::int32_t>(v->size() + 1));
  out_->push_back('\1');
  out_->append(*v);
}

void copy_encoder::timestamptz(sys_us v) {
  length(8);
  put_be<std::uint64_t>(
      *out_, static_cast<std::uint64_t>(v.time_since_epoch().count() - pg_epoch_offset_us));
}

void copy_encoder::timestamptz(const std::optional<sys_us>& v) {
  if (v) {
    timestamptz(*v);
  } else {
    null();
  }
}

void copy_encoder::uuid(const gg::uuid& v) {
  length(16);
  out_->append(reinterpret_cast<const char*>(v.bytes.data()), v.bytes.size());
}

void copy_encoder::boolean(bool v) {
  length(1);
  out_->push_back(v ? '\1' : '\0');
}

void copy_encoder::int8(std::int64_t v) {
  length(8);
  put_be<std::uint64_t>(*out_, static_cast<std::uint64_t>(v));
}

void write_event_row(copy_encoder& enc, const event_row& row) {
  enc.row(static_cast<std::int16_t>(event_columns.size()));
  enc.uuid(row.event_id);
  enc.text(row.type);
  enc.text(row.event);
  enc.timestamptz(row.timestamp);
  enc.timestamptz(row.server_timestamp);
  enc.text(row.session_id);
  enc.text(row.user_id);
  enc.text(row.client_ip);
  enc.text(row.user_agent);
  enc.text(row.url);
  enc.text(row.path);
  enc.jsonb(row.properties);
  enc.text(row.queue_name);
  enc.timestamptz(row.processed_timestamp);
  enc.boolean(row.is_bot);
}

}  // namespace gg::loader
