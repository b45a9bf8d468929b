#include <gadgetgrove/pg/conninfo.hpp>

#include <libpq-fe.h>

#include <memory>

namespace gg::pg {

namespace {

constexpr std::string_view mask = "****";

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Masks the values of `password` keys in the key=value form, copying everything else.
std::string mask_key_value(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) out.push_back(s[i++]);
    const std::size_t key_start = i;
    while (i < s.size() && !is_space(s[i]) && s[i] != '=') ++i;
    const std::string_view key = s.substr(key_start, i - key_start);
    out.append(key);
    while (i < s.size() && is_space(s[i])) out.push_back(s[i++]);
    if (i >= s.size() || s[i] != '=') continue;
    out.push_back(s[i++]);
    while (i < s.size() && is_space(s[i])) out.push_back(s[i++]);
    const std::size_t value_start = i;
    if (i < s.size() && s[i] == '\'') {
      ++i;
      while (i < s.size() && s[i] != '\'') i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
      if (i < s.size()) ++i;
    } else {
      while (i < s.size() && !is_space(s[i])) i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
    }
    if (key == "password") {
      out.append(mask);
    } else {
      out.append(s.substr(value_start, i - value_start));
    }
  }
  return out;
}

// Masks the password of the user info and any password= query parameter of a URI.
std::string mask_uri(std::string_view s, std::size_t authority_start) {
  std::string out;
  out.reserve(s.size());
  const std::size_t query = s.find('?', authority_start);
  const std::size_t rest_end = query == std::string_view::npos ? s.size() : query;
  // The last '@' before the query ends the user info, so an unencoded '@' or '/' inside a
  // password still ends up masked.
  const std::size_t at = s.substr(0, rest_end).rfind('@');
  if (at != std::string_view::npos && at >= authority_start) {
    const std::size_t colon = s.find(':', authority_start);
    if (colon != std::string_view::npos && colon < at) {
      out.append(s.substr(0, colon + 1));
      out.append(mask);
      out.append(s.substr(at, rest_end - at));
    } else {
      out.append(s.substr(0, rest_end));
    }
  } else {
    out.append(s.substr(0, rest_end));
  }
  if (query == std::string_view::npos) return out;
  std::size_t i = query;
  while (i < s.size()) {
    out.push_back(s[i++]);  // '?' or '&'
    const std::size_t end = std::min(s.find('&', i), s.size());
    const std::string_view param = s.substr(i, end - i);
    if (param.starts_with("password=")) {
      out.append("password=");
      out.append(mask);
    } else {
      out.append(param);
    }
    i = end;
  }
  return out;
}

}  // namespace

std::string mask_conninfo(std::string_view conninfo) {
  for (const std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (conninfo.starts_with(scheme)) return mask_uri(conninfo, scheme.size());
  }
  return mask_key_value(conninfo);
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
