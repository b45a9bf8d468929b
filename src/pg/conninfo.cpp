#include <gadgetgrove/pg/conninfo.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace gg::pg {

namespace {

constexpr std::string_view mask = "****";

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// `s` with each %XX replaced by its byte, as libpq decodes the keys and values of a URI; a
// malformed escape is kept as it is (libpq refuses the URI, but the text may still be shown).
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// Libpq spells the key in lower case and refuses other spellings, but a refused conninfo still
// reaches error messages, so any spelling counts.
bool is_password_key(std::string_view key) noexcept {
  return equals_ignoring_case(key, "password");
}

// A password's place in a conninfo: [begin, end) of its text as written, and its value as
// libpq would read it (unquoted, unescaped, percent-decoded).
struct secret_span {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string value;
};

// The values of `password` keys in the key=value form.
std::vector<secret_span> key_value_secrets(std::string_view s) {
  std::vector<secret_span> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const std::size_t key_start = i;
    while (i < s.size() && !is_space(s[i]) && s[i] != '=') ++i;
    const std::string_view key = s.substr(key_start, i - key_start);
    while (i < s.size() && is_space(s[i])) ++i;
    if (i >= s.size() || s[i] != '=') continue;
    ++i;
    while (i < s.size() && is_space(s[i])) ++i;
    secret_span span{i, i, {}};
    if (i < s.size() && s[i] == '\'') {
      ++i;
      while (i < s.size() && s[i] != '\'') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        span.value.push_back(s[i++]);
      }
      if (i < s.size()) ++i;
    } else {
      while (i < s.size() && !is_space(s[i])) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        span.value.push_back(s[i++]);
      }
    }
    span.end = i;
    if (is_password_key(key)) out.push_back(std::move(span));
  }
  return out;
}

// The password of the user info and any password query parameter of a URI whose authority
// starts at `authority_start`.
std::vector<secret_span> uri_secrets(std::string_view s, std::size_t authority_start) {
  std::vector<secret_span> out;
  const std::size_t query = s.find('?', authority_start);
  const std::size_t rest_end = query == std::string_view::npos ? s.size() : query;
  // The last '@' before the query ends the user info, so an unencoded '@' or '/' inside a
  // password still ends up masked.
  const std::size_t at = s.substr(0, rest_end).rfind('@');
  if (at != std::string_view::npos && at >= authority_start) {
    const std::size_t colon = s.find(':', authority_start);
    if (colon != std::string_view::npos && colon < at) {
      out.push_back({colon + 1, at, percent_decode(s.substr(colon + 1, at - colon - 1))});
    }
  }
  if (query == std::string_view::npos) return out;
  std::size_t i = query + 1;
  while (i <= s.size()) {
    const std::size_t end = std::min(s.find('&', i), s.size());
    const std::string_view param = s.substr(i, end - i);
    const std::size_t eq = param.find('=');
    if (eq != std::string_view::npos && is_password_key(percent_decode(param.substr(0, eq)))) {
      out.push_back({i + eq + 1, end, percent_decode(param.substr(eq + 1))});
    }
    i = end + 1;
  }
  return out;
}

// Where the URI's authority starts, or npos for the key=value form. Libpq wants the scheme at
// the very start in lower case; a string that only looks like a URI is refused by libpq but
// may still be shown in an error, so leading blanks and any case count here.
std::size_t uri_authority(std::string_view conninfo) noexcept {
  std::size_t start = 0;
  while (start < conninfo.size() && is_space(conninfo[start])) ++start;
  for (const std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (equals_ignoring_case(conninfo.substr(start, scheme.size()), scheme)) {
      return start + scheme.size();
    }
  }
  return std::string_view::npos;
}

std::vector<secret_span> secrets_of(std::string_view conninfo) {
  const std::size_t authority = uri_authority(conninfo);
  return authority == std::string_view::npos ? key_value_secrets(conninfo)
                                             : uri_secrets(conninfo, authority);
}

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (std::size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

}  // namespace

std::string mask_conninfo(std::string_view conninfo) {
  std::string out;
  out.reserve(conninfo.size());
  std::size_t copied = 0;
  for (const secret_span& span : secrets_of(conninfo)) {
    out.append(conninfo.substr(copied, span.begin - copied));
    out.append(mask);
    copied = span.end;
  }
  out.append(conninfo.substr(copied));
  return out;
}

std::string mask_conninfo_in(std::string_view text, std::string_view conninfo) {
  std::string out(text);
  const auto secrets = secrets_of(conninfo);
  if (secrets.empty()) return out;
  replace_all(out, conninfo, mask_conninfo(conninfo));
  // Shorter values would mask unrelated words; the whole conninfo is replaced above anyway.
  constexpr std::size_t shortest_masked_value = 3;
  for (const secret_span& span : secrets) {
    for (const std::string_view value :
         {conninfo.substr(span.begin, span.end - span.begin), std::string_view{span.value}}) {
      if (value.size() >= shortest_masked_value && value != mask) replace_all(out, value, mask);
    }
  }
  return out;
}

std::string quote_conninfo_value(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  out.push_back('\'');
  for (const char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

result<std::string> with_conninfo_option(std::string_view conninfo, std::string_view key,
                                         std::string_view value) {
  char* err = nullptr;
  const std::string input(conninfo);
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(input.c_str(), &err), &PQconninfoFree);
  if (!options) {
    std::string message = "invalid PostgreSQL conninfo '" + mask_conninfo(conninfo) + "'";
    if (err != nullptr) {
      std::string_view detail(err);
      while (!detail.empty() && detail.back() == '\n') detail.remove_suffix(1);
      message.append(": ").append(detail);
      PQfreemem(err);
    }
    return fail(errc::invalid_input, std::move(message));
  }
  std::string out;
  bool replaced = false;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    const bool is_key = key == o->keyword;
    if (o->val == nullptr && !is_key) continue;
    if (!out.empty()) out.push_back(' ');
    out.append(o->keyword);
    out.push_back('=');
    out.append(quote_conninfo_value(is_key ? value : std::string_view{o->val}));
    replaced = replaced || is_key;
  }
  if (!replaced) {
    return fail(errc::invalid_input,
                "unknown PostgreSQL conninfo option '" + std::string(key) + "'");
  }
  return out;
}

}  // namespace gg::pg
