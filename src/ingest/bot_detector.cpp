#include <gadgetgrove/ingest/bot_detector.hpp>

#include <xxhash.h>

#include <atomic>
#include <cstring>

namespace gg::ingest {
namespace {

constexpr std::string_view default_markers[] = {
    // Crawlers and link expanders name themselves (Googlebot, bingbot, Slackbot, AhrefsBot,
    // Baiduspider, Yahoo! Slurp, ...).
    "bot", "crawl", "spider", "slurp", "facebookexternalhit", "ia_archiver", "mediapartners-google",
    "feedfetcher", "bingpreview",
    // Headless and automated browsers.
    "headless", "phantomjs", "lighthouse", "puppeteer", "selenium", "webdriver",
    // Command-line tools and scripting libraries a person's browser never sends.
    "curl/", "wget/", "python-requests", "python-urllib", "go-http-client", "libwww-perl", "httpie",
    "scrapy", "apache-httpclient",
    // Uptime and performance probes.
    "pingdom", "gtmetrix"};

constexpr unsigned char lower(unsigned char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c | 0x20) : c;
}

/// 12-bit hash of a lower-cased three-byte window.
inline std::uint32_t window_hash(const unsigned char* p) noexcept {
  const std::uint32_t w = static_cast<std::uint32_t>(lower(p[0])) << 16 |
                          static_cast<std::uint32_t>(lower(p[1])) << 8 | lower(p[2]);
  return (w * 0x9E3779B1u) >> 20;
}

/// Each detector seeds the cache keys with its own number, so two detectors with different
/// markers never read each other's verdicts.
std::atomic<std::uint64_t> next_cache_seed{0x6a09e667f3bcc908ULL};

constexpr std::size_t cache_slots = 512;

struct verdict_cache {
  std::uint64_t keys[cache_slots] = {};
  bool verdicts[cache_slots] = {};
};

}  // namespace

std::span<const std::string_view> default_bot_markers() noexcept { return default_markers; }

bot_detector::bot_detector(std::span<const std::string_view> markers)
    : cache_seed_(next_cache_seed.fetch_add(0x9E3779B97F4A7C15ULL, std::memory_order_relaxed)) {
  markers_.reserve(markers.size());
  for (const std::string_view m : markers) {
    if (m.size() < 3) continue;
    std::string lowered(m);
    for (char& c : lowered) c = static_cast<char>(lower(static_cast<unsigned char>(c)));
    const std::uint32_t h = window_hash(reinterpret_cast<const unsigned char*>(lowered.data()));
    windows_[h / 64] |= std::uint64_t{1} << (h % 64);
    markers_.push_back(marker{std::move(lowered), h});
  }
}

bool bot_detector::scan(std::string_view user_agent) const noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(user_agent.data());
  const std::size_t n = user_agent.size();
  for (std::size_t i = 0; i + 3 <= n; ++i) {
    const std::uint32_t h = window_hash(p + i);
    if ((windows_[h / 64] >> (h % 64) & 1) == 0) continue;
    for (const marker& m : markers_) {
      if (m.window_hash != h || m.text.size() > n - i) continue;
      std::size_t k = 0;
      while (k < m.text.size() && lower(p[i + k]) == static_cast<unsigned char>(m.text[k])) ++k;
      if (k == m.text.size()) return true;
    }
  }
  return false;
}

bool bot_detector::is_bot(std::string_view user_agent) const noexcept {
  thread_local verdict_cache cache;
  std::uint64_t key = XXH3_64bits_withSeed(user_agent.data(), user_agent.size(), cache_seed_);
  key |= 1;  // zero marks an empty slot
  const std::size_t slot = (key >> 32) % cache_slots;
  if (cache.keys[slot] == key) return cache.verdicts[slot];
  const bool verdict = scan(user_agent);
  cache.keys[slot] = key;
  cache.verdicts[slot] = verdict;
  return verdict;
}

}  // namespace gg::ingest
