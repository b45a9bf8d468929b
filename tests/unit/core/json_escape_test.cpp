#include <gadgetgrove/core/json_escape.hpp>

#include <simdjson.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <iterator>
#include <random>
#include <string>

namespace {

std::string json_quoted(std::string_view s) {
  std::string out;
  gg::append_json_string(out, s);
  return out;
}

/// Parses `json` (one JSON string) back and returns its value.
std::string round_trip(const std::string& json) {
  simdjson::dom::parser parser;
  std::string_view v;
  const auto err = parser.parse(json).get_string().get(v);
  REQUIRE(err == simdjson::SUCCESS);
  return std::string(v);
}

}  // namespace

TEST_CASE("plain ASCII is quoted and copied unchanged", "[unit][core]") {
  CHECK(json_quoted("") == "\"\"");
  CHECK(json_quoted("hello world, 0123456789 ~!@#$%^&*()") ==
        "\"hello world, 0123456789 ~!@#$%^&*()\"");
  const std::string long_text(1000, 'x');
  CHECK(json_quoted(long_text) == "\"" + long_text + "\"");
}

TEST_CASE("quotes, backslashes and control characters are escaped", "[unit][core]") {
  CHECK(json_quoted("a\"b") == R"("a\"b")");
  CHECK(json_quoted("a\\b") == R"("a\\b")");
  CHECK(json_quoted("\n\r\t\b\f") == R"("\n\r\t\b\f")");
  CHECK(json_quoted(std::string_view("\x00\x01\x1f", 3)) == R"("\u0000\u0001\u001f")");
  CHECK(json_quoted("\x7f") == "\"\x7f\"");
  // A special byte at every position of an 8-byte block is found by the word-at-a-time scan.
  for (std::size_t pos = 0; pos < 17; ++pos) {
    std::string s(17, 'a');
    s[pos] = '"';
    std::string expected =
        "\"" + std::string(pos, 'a') + "\\\"" + std::string(16 - pos, 'a') + "\"";
    CHECK(json_quoted(s) == expected);
    CHECK(round_trip(json_quoted(s)) == s);
  }
}

TEST_CASE("valid UTF-8 passes through unchanged", "[unit][core]") {
  const std::string s = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF \xF4\x8F\xBF\xBF";
  CHECK(json_quoted(s) == "\"" + s + "\"");
  CHECK(round_trip(json_quoted(s)) == s);
}

TEST_CASE("invalid UTF-8 becomes one U+FFFD per maximal subpart", "[unit][core]") {
  CHECK(json_quoted("\xff") == R"("\ufffd")");
  CHECK(json_quoted("a\x80z") == R"("a\ufffdz")");
  CHECK(json_quoted("\xC3") == R"("\ufffd")");                      // truncated at the end
  CHECK(json_quoted("\xE2\x82z") == R"("\ufffdz")");                // truncated 3-byte sequence
  CHECK(json_quoted("\xC0\xAF") == R"("\ufffd\ufffd")");            // overlong '/'
  CHECK(json_quoted("\xE0\x80\xAF") == R"("\ufffd\ufffd\ufffd")");  // overlong 3-byte
  CHECK(json_quoted("\xED\xA0\x80") == R"("\ufffd\ufffd\ufffd")");  // surrogate U+D800
  CHECK(json_quoted("\xF4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
  CHECK(json_quoted("\xF0\x9F\x98") == R"("\ufffd")");
  // Every output is valid JSON whatever the input bytes were.
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  const std::string back = round_trip(json_quoted(all));
  CHECK(back.substr(0, 128) == all.substr(0, 128));
}

TEST_CASE("append_json_escaped appends without quotes", "[unit][core]") {
  std::string out = "x=";
  gg::append_json_escaped(out, "a\"b");
  CHECK(out == "x=a\\\"b");
}

namespace {

/// A byte-at-a-time escaper written straight from RFC 8259 and Unicode Table 3-7, to check the
/// word-at-a-time one against.
std::string reference_escape(std::string_view s) {
  std::string out = "\"";
  const auto cont = [&](std::size_t i, unsigned lo, unsigned hi) {
    return i < s.size() && static_cast<unsigned char>(s[i]) >= lo &&
           static_cast<unsigned char>(s[i]) <= hi;
  };
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    char buf[8];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b" : "\\f";
      ++i;
    } else if (c < 0x20) {
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      unsigned lo = 0x80, hi = 0xBF;
      std::size_t n = 0;
      if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
      } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
      }
      std::size_t ok = n == 0 ? 0 : 1;
      while (ok > 0 && ok < n && cont(i + ok, ok == 1 ? lo : 0x80, ok == 1 ? hi : 0xBF)) ++ok;
      if (n != 0 && ok == n) {
        out.append(s.substr(i, n));
        i += n;
      } else {
        out += "\\ufffd";
        i += ok == 0 ? 1 : ok;
      }
    }
  }
  return out + "\"";
}

}  // namespace

TEST_CASE("long mixed input escapes exactly like a byte-at-a-time reference", "[unit][core]") {
  const char* const pieces[] = {"plain text ",
                                "\"",
                                "\\",
                                "\n",
                                "\x01",
                                "\x1f",
                                "\xC3\xA9",
                                "\xE2\x82\xAC",
                                "\xF0\x9F\x98\x80",
                                "\xff",
                                "\xC3",
                                "\xE2\x82",
                                "\xED\xA0\x80",
                                "\xF4\x90\x80\x80",
                                "0123456789abcdef",
                                "x"};
  std::mt19937 rng(1234);
  for (int round = 0; round < 200; ++round) {
    std::string s;
    const std::size_t target = rng() % 12000;
    while (s.size() < target) s += pieces[rng() % std::size(pieces)];
    std::string out = "prefix";
    gg::append_json_string(out, s);
    REQUIRE(out == "prefix" + reference_escape(s));
  }
  // Random bytes too, so sequences straddle the 4096-byte chunks at every offset.
  for (int round = 0; round < 200; ++round) {
    std::string s(4090 + rng() % 20, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? rng() : 'a' + rng() % 26);
    REQUIRE(json_quoted(s) == reference_escape(s));
  }
}
