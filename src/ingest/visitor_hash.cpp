#include <gadgetgrove/ingest/visitor_hash.hpp>

#include <xxhash.h>

#include <bit>
#include <cstring>

namespace gg::ingest {
namespace {

inline std::uint64_t load_le64(const unsigned char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

struct sip_state {
  std::uint64_t v0, v1, v2, v3;

  void round() noexcept {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }

  void compress(std::uint64_t m) noexcept {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

}  // namespace

std::uint64_t siphash_2_4(std::uint64_t k0, std::uint64_t k1, std::string_view data) noexcept {
  sip_state s{0x736f6d6570736575ULL ^ k0, 0x646f72616e646f6dULL ^ k1, 0x6c7967656e657261ULL ^ k0,
              0x7465646279746573ULL ^ k1};
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t n = data.size();
  const std::size_t whole = n - n % 8;
  for (std::size_t i = 0; i < whole; i += 8) s.compress(load_le64(p + i));
  std::uint64_t last = static_cast<std::uint64_t>(n & 0xff) << 56;
  for (std::size_t i = whole; i < n; ++i) {
    last |= static_cast<std::uint64_t>(p[i]) << (8 * (i - whole));
  }
  s.compress(last);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

visitor_hash::visitor_hash(std::string_view secret) {
  if (secret.empty()) return;
  // The secret may be a passphrase of any length; XXH3-128 folds it into SipHash's key size.
  // The secret never leaves the process, so the derivation needs no preimage resistance.
  const XXH128_hash_t k = XXH3_128bits(secret.data(), secret.size());
  k0_ = k.low64;
  k1_ = k.high64;
  enabled_ = true;
}

std::uint64_t visitor_hash::hash(std::int64_t day, std::string_view ip,
                                 std::string_view user_agent) const {
  // Message: day (8 bytes LE), address length (1 byte), address, XXH3-64 of the agent (8
  // bytes LE). The length byte keeps ("1.2.3.4", agent) and ("1.2.3.45", agent') apart; the
  // agent enters as a digest because agents run to hundreds of bytes and SipHash costs about a
  // cycle per byte, while the secret is what protects the address.
  constexpr std::size_t max_ip = 64;
  if (ip.size() > max_ip) ip = ip.substr(0, max_ip);
  unsigned char message[8 + 1 + max_ip + 8];
  std::size_t n = 0;
  const auto put64 = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) message[n++] = static_cast<unsigned char>(v >> (8 * i));
  };
  put64(static_cast<std::uint64_t>(day));
  message[n++] = static_cast<unsigned char>(ip.size());
  std::memcpy(message + n, ip.data(), ip.size());
  n += ip.size();
  put64(XXH3_64bits(user_agent.data(), user_agent.size()));
  return siphash_2_4(k0_, k1_, {reinterpret_cast<const char*>(message), n});
}

}  // namespace gg::ingest
