// The write-key check of the Segment routes (and of every route with write_key_everywhere): the
// key comes as the Basic user name (Segment's libraries) or as the body's `writeKey`.
#include <gadgetgrove/ingest/event_enricher.hpp>

#include <gadgetgrove/http/basic_auth.hpp>

namespace gg::ingest {

bool event_enricher::authorized(std::string_view authorization,
                                std::string_view body_write_key) const noexcept {
  if (config_.write_key.empty()) return true;
  if (http::constant_time_equal(body_write_key, config_.write_key)) return true;
  char user[http::max_basic_user];
  std::size_t user_size = 0;
  return http::basic_auth_user(authorization, user, user_size) &&
         http::constant_time_equal({user, user_size}, config_.write_key);
}

}  // namespace gg::ingest
