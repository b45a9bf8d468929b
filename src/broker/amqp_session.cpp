#include <gadgetgrove/broker/amqp_session.hpp>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>

#include <set>
#include <string>
#include <vector>

namespace gg::broker {

namespace {

constexpr amqp_channel_t channel = 1;
// Frames up to 128 KiB: an event is far smaller, and the broker's default is the same.
constexpr int frame_max = 131072;
// A dead broker or a cut network is noticed within two heartbeats even while idle.
constexpr int heartbeat_seconds = 10;

timeval to_timeval(std::chrono::milliseconds ms) {
  if (ms.count() < 0) ms = std::chrono::milliseconds{0};
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

amqp_bytes_t bytes(std::string_view s) {
  amqp_bytes_t b;
  b.len = s.size();
  b.bytes = const_cast<char*>(s.data());
  return b;
}

std::string text(amqp_bytes_t b) { return std::string(static_cast<const char*>(b.bytes), b.len); }

// The broker's reply to a synchronous method, as an error naming `what`; success when normal.
gg::status check_reply(const amqp_rpc_reply_t& r, std::string_view what) {
  const std::string prefix(what);
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return {};
    case AMQP_RESPONSE_NONE:
      return gg::fail(gg::errc::unavailable, prefix + ": no reply from the broker", true);
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return gg::fail(
          r.library_error == AMQP_STATUS_TIMEOUT ? gg::errc::timeout : gg::errc::unavailable,
          prefix + ": " + amqp_error_string2(r.library_error), true);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      break;
  }
  if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
    const auto* m = static_cast<const amqp_connection_close_t*>(r.reply.decoded);
    const bool access = m->reply_code == AMQP_ACCESS_REFUSED;
    return gg::fail(access ? gg::errc::config : gg::errc::unavailable,
                    prefix + ": broker closed the connection: " + text(m->reply_text), !access);
  }
  if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    const auto* m = static_cast<const amqp_channel_close_t*>(r.reply.decoded);
    // 406 PRECONDITION_FAILED: the queue exists with other arguments.
    const auto code = m->reply_code == AMQP_PRECONDITION_FAILED ? gg::errc::conflict
                      : m->reply_code == AMQP_NOT_FOUND         ? gg::errc::not_found
                                                                : gg::errc::unavailable;
    return gg::fail(code, prefix + ": broker closed the channel: " + text(m->reply_text),
                    code == gg::errc::unavailable);
  }
  return gg::fail(gg::errc::unavailable, prefix + ": unexpected broker method", true);
}

gg::status check_status(int status, std::string_view what) {
  if (status == AMQP_STATUS_OK) return {};
  return gg::fail(status == AMQP_STATUS_TIMEOUT ? gg::errc::timeout : gg::errc::unavailable,
                  std::string(what) + ": " + amqp_error_string2(status), true);
}

}  // namespace

struct amqp_session::state {
  amqp_connection_state_t conn = nullptr;
  bool open = false;
  std::uint64_t next_tag = 1;
  std::set<std::uint64_t> unconfirmed;  // published, neither acked nor nacked yet
  bool nacked = false;
  std::int64_t skip_below = -1;  // stream offsets a consumer did not ask for

  ~state() {
    if (conn == nullptr) return;
    if (open) {
      amqp_channel_close(conn, channel, AMQP_REPLY_SUCCESS);
      amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(conn);
  }

  // Applies one basic.ack / basic.nack frame to the unconfirmed set.
  void confirm(std::uint64_t tag, bool multiple, bool ack) {
    if (!ack) nacked = true;
    if (multiple) {
      unconfirmed.erase(unconfirmed.begin(), unconfirmed.upper_bound(tag));
    } else {
      unconfirmed.erase(tag);
    }
  }

  std::uint64_t confirmed_through() const {
    return unconfirmed.empty() ? next_tag - 1 : *unconfirmed.begin() - 1;
  }
};

amqp_session::amqp_session(std::unique_ptr<state> s) noexcept : s_(std::move(s)) {}
amqp_session::amqp_session(amqp_session&&) noexcept = default;
amqp_session& amqp_session::operator=(amqp_session&&) noexcept = default;
amqp_session::~amqp_session() = default;

void amqp_session::close() noexcept { s_.reset(); }

gg::result<amqp_session> amqp_session::connect(const broker_url& url,
                                               std::chrono::milliseconds timeout) {
  auto s = std::make_unique<state>();
  s->conn = amqp_new_connection();
  if (s->conn == nullptr) return gg::fail(gg::errc::internal, "amqp: out of memory");
  amqp_socket_t* socket = amqp_tcp_socket_new(s->conn);
  if (socket == nullptr) return gg::fail(gg::errc::internal, "amqp: cannot create a socket");
  timeval tv = to_timeval(timeout);
  const std::string where = url.host + ":" + std::to_string(url.port);
  if (auto st = check_status(amqp_socket_open_noblock(socket, url.host.c_str(), url.port, &tv),
                             "connect to broker " + where);
      !st) {
    return st.error();
  }
  if (auto st = check_status(amqp_set_rpc_timeout(s->conn, &tv), "amqp rpc timeout"); !st) {
    return st.error();
  }
  auto login = amqp_login(s->conn, url.vhost.c_str(), 0, frame_max, heartbeat_seconds,
                          AMQP_SASL_METHOD_PLAIN, url.user.c_str(), url.password.c_str());
  if (login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
      login.library_error == AMQP_STATUS_CONNECTION_CLOSED) {
    // RabbitMQ drops the socket on a refused login instead of replying.
    return gg::fail(gg::errc::config, "broker " + where + " refused the login of '" + url.user +
                                          "' (user, password or vhost)");
  }
  if (auto st = check_reply(login, "login to broker " + where); !st) return st.error();
  amqp_channel_open(s->conn, channel);
  if (auto st = check_reply(amqp_get_rpc_reply(s->conn), "open channel"); !st) {
    return st.error();
  }
  s->open = true;
  return amqp_session(std::move(s));
}

gg::status amqp_session::declare_stream(const std::string& name,
                                        const stream_retention& retention) {
  std::vector<amqp_table_entry_t> args;
  const std::string type = "stream";
  args.push_back({amqp_cstring_bytes("x-queue-type"), {AMQP_FIELD_KIND_UTF8, {}}});
  args.back().value.value.bytes = bytes(type);
  const std::string max_age = std::to_string(retention.max_age.count()) + "s";
  if (retention.max_age.count() > 0) {
    args.push_back({amqp_cstring_bytes("x-max-age"), {AMQP_FIELD_KIND_UTF8, {}}});
    args.back().value.value.bytes = bytes(max_age);
  }
  if (retention.max_bytes > 0) {
    args.push_back({amqp_cstring_bytes("x-max-length-bytes"), {AMQP_FIELD_KIND_I64, {}}});
    args.back().value.value.i64 = static_cast<int64_t>(retention.max_bytes);
  }
  if (retention.segment_bytes > 0) {
    args.push_back(
        {amqp_cstring_bytes("x-stream-max-segment-size-bytes"), {AMQP_FIELD_KIND_I64, {}}});
    args.back().value.value.i64 = static_cast<int64_t>(retention.segment_bytes);
  }
  amqp_table_t table{static_cast<int>(args.size()), args.data()};
  amqp_queue_declare(s_->conn, channel, bytes(name), /*passive=*/0, /*durable=*/1,
                     /*exclusive=*/0, /*auto_delete=*/0, table);
  return check_reply(amqp_get_rpc_reply(s_->conn), "declare stream " + name);
}

gg::status amqp_session::enable_confirms() {
  amqp_confirm_select(s_->conn, channel);
  return check_reply(amqp_get_rpc_reply(s_->conn), "confirm.select");
}

gg::result<std::uint64_t> amqp_session::publish(const std::string& queue,
                                                std::string_view message_id,
                                                std::string_view body) {
  amqp_basic_properties_t props{};
  props._flags =
      AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
  props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  props.message_id = bytes(message_id);
  props.content_type = amqp_cstring_bytes("application/json");
  const int st = amqp_basic_publish(s_->conn, channel, amqp_empty_bytes, bytes(queue),
                                    /*mandatory=*/0, /*immediate=*/0, &props, bytes(body));
  if (auto ok = check_status(st, "publish to " + queue); !ok) return ok.error();
  const std::uint64_t tag = s_->next_tag++;
  s_->unconfirmed.insert(tag);
  return tag;
}

gg::result<std::uint64_t> amqp_session::wait_confirms(std::uint64_t up_to,
                                                      std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!s_->nacked && s_->confirmed_through() < up_to) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    amqp_frame_t frame{};
    timeval tv = to_timeval(left);
    const int st = amqp_simple_wait_frame_noblock(s_->conn, &frame, &tv);
    if (st == AMQP_STATUS_TIMEOUT) break;
    if (auto ok = check_status(st, "wait for publisher confirms"); !ok) return ok.error();
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    switch (frame.payload.method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        const auto* m = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
        s_->confirm(m->delivery_tag, m->multiple != 0, true);
        break;
      }
      case AMQP_BASIC_NACK_METHOD: {
        const auto* m = static_cast<const amqp_basic_nack_t*>(frame.payload.method.decoded);
        s_->confirm(m->delivery_tag, m->multiple != 0, false);
        break;
      }
      case AMQP_CHANNEL_CLOSE_METHOD:
      case AMQP_CONNECTION_CLOSE_METHOD:
        s_->open = false;
        return gg::fail(gg::errc::unavailable, "broker closed the publishing channel", true);
      default:
        break;  // basic.return cannot happen without `mandatory`; nothing else is expected
    }
  }
  if (s_->nacked) {
    return gg::fail(gg::errc::unavailable, "broker refused (nacked) a published message", true);
  }
  return s_->confirmed_through();
}

gg::status amqp_session::consume(const std::string& queue, stream_start start,
                                 std::uint16_t prefetch) {
  amqp_basic_qos(s_->conn, channel, 0, prefetch, 0);
  if (auto st = check_reply(amqp_get_rpc_reply(s_->conn), "basic.qos"); !st) return st;
  amqp_table_entry_t arg{amqp_cstring_bytes("x-stream-offset"), {}};
  if (start.offset) {
    arg.value.kind = AMQP_FIELD_KIND_I64;
    arg.value.value.i64 = *start.offset;
    s_->skip_below = *start.offset;
  } else {
    arg.value.kind = AMQP_FIELD_KIND_UTF8;
    arg.value.value.bytes = amqp_cstring_bytes("first");
  }
  amqp_table_t table{1, &arg};
  amqp_basic_consume(s_->conn, channel, bytes(queue), amqp_empty_bytes, /*no_local=*/0,
                     /*no_ack=*/0, /*exclusive=*/0, table);
  return check_reply(amqp_get_rpc_reply(s_->conn), "consume " + queue);
}

gg::result<std::optional<delivery>> amqp_session::next(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    amqp_maybe_release_buffers(s_->conn);
    amqp_envelope_t envelope{};
    timeval tv = to_timeval(left);
    const auto reply = amqp_consume_message(s_->conn, &envelope, &tv, 0);
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        reply.library_error == AMQP_STATUS_TIMEOUT) {
      return std::optional<delivery>{};
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
      // A frame other than a delivery: a heartbeat-era close or a cancel notification.
      amqp_frame_t frame{};
      const int st = amqp_simple_wait_frame(s_->conn, &frame);
      if (auto ok = check_status(st, "read from broker"); !ok) return ok.error();
      if (frame.frame_type == AMQP_FRAME_METHOD &&
          (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
           frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD ||
           frame.payload.method.id == AMQP_BASIC_CANCEL_METHOD)) {
        s_->open = false;
        return gg::fail(gg::errc::unavailable, "broker ended the consumer", true);
      }
      continue;
    }
    if (auto st = check_reply(reply, "consume"); !st) return st.error();
    delivery d;
    d.tag = envelope.delivery_tag;
    const auto& props = envelope.message.properties;
    if ((props._flags & AMQP_BASIC_MESSAGE_ID_FLAG) != 0) d.message_id = text(props.message_id);
    if ((props._flags & AMQP_BASIC_HEADERS_FLAG) != 0) {
      for (int i = 0; i < props.headers.num_entries; ++i) {
        const auto& e = props.headers.entries[i];
        if (text(e.key) != "x-stream-offset") continue;
        if (e.value.kind == AMQP_FIELD_KIND_I64) d.stream_offset = e.value.value.i64;
        if (e.value.kind == AMQP_FIELD_KIND_U64) {
          d.stream_offset = static_cast<std::int64_t>(e.value.value.u64);
        }
      }
    }
    d.body = text(envelope.message.body);
    amqp_destroy_envelope(&envelope);
    // A stream consumer starts at the beginning of the chunk holding the requested offset, so
    // it may see a few messages before it; they were loaded already.
    if (d.stream_offset >= 0 && d.stream_offset < s_->skip_below) {
      if (auto st = ack(d.tag, false); !st) return st.error();
      continue;
    }
    return std::optional<delivery>{std::move(d)};
  }
}

gg::status amqp_session::ack(std::uint64_t tag, bool multiple) {
  return check_status(amqp_basic_ack(s_->conn, channel, tag, multiple ? 1 : 0), "basic.ack");
}

}  // namespace gg::broker
