#include "lexer.hpp"

#include <gadgetgrove/core/utf8.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace gg::transform::jinja::detail {

gg::error error_at(std::string_view name, position pos, std::string_view message) {
  return gg::error{errc::invalid_input,
                   fmt::format("{}:{}:{}: {}", name, pos.line, pos.column, message)};
}

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

void rstrip(std::string& s) {
  while (!s.empty() && is_space(s.back())) s.pop_back();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class lexer {
 public:
  lexer(std::string_view name, std::string_view text) : name_(name) {
    // Jinja normalises \r\n and \r to \n and drops one trailing newline before lexing.
    src_.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\r') {
        src_ += '\n';
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      } else {
        src_ += text[i];
      }
    }
    if (!src_.empty() && src_.back() == '\n') src_.pop_back();
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  gg::result<std::vector<token>> run() {
    bool lstrip_next = false;
    std::size_t p = 0;
    while (p < src_.size()) {
      std::size_t start = find_tag(p);
      std::string text(src_.substr(p, start - p));
      if (lstrip_next) {
        std::size_t k = 0;
        while (k < text.size() && is_space(text[k])) ++k;
        text.erase(0, k);
        lstrip_next = false;
      }
      if (start == src_.size()) {
        push_data(std::move(text), p);
        break;
      }
      char kind = src_[start + 1];
      bool strip_before = start + 2 < src_.size() && src_[start + 2] == '-';
      if (strip_before) rstrip(text);
      push_data(std::move(text), p);
      std::size_t q = start + 2;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) ++q;
      if (kind == '#') {
        std::size_t end = src_.find("#}", q);
        if (end == std::string::npos) {
          return error_at(name_, pos_of(start), "missing end of comment tag");
        }
        lstrip_next = end > q && src_[end - 1] == '-';
        p = end + 2;
        continue;
      }
      if (kind == '%') {
        auto raw = try_raw(start, q, lstrip_next);
        if (!raw) return raw.error();
        if (*raw != std::string::npos) {
          p = *raw;
          continue;
        }
      }
      token begin;
      begin.kind = kind == '{' ? token_kind::var_begin : token_kind::block_begin;
      begin.pos = pos_of(start);
      tokens_.push_back(std::move(begin));
      auto end = lex_tag(q, kind == '{', start, lstrip_next);
      if (!end) return end.error();
      p = *end;
    }
    token eof;
    eof.kind = token_kind::eof;
    eof.pos = pos_of(src_.size());
    tokens_.push_back(std::move(eof));
    return std::move(tokens_);
  }

 private:
  position pos_of(std::size_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    std::size_t line = static_cast<std::size_t>(it - line_starts_.begin());
    std::size_t col = offset - line_starts_[line - 1] + 1;
    return position{static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(col)};
  }

  std::size_t find_tag(std::size_t from) const {
    for (std::size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size()) {
        char c = src_[i + 1];
        if (c == '{' || c == '%' || c == '#') return i;
      }
    }
    return src_.size();
  }

  void push_data(std::string text, std::size_t at) {
    if (text.empty()) return;
    token t;
    t.kind = token_kind::data;
    t.pos = pos_of(at);
    t.text = std::move(text);
    tokens_.push_back(std::move(t));
  }

  // Matches `\s*<word>\s*(-|+)?%}` at q; returns the offset after `%}` or npos.
  std::size_t match_simple_tag(std::size_t q, std::string_view word, bool* strip_after) const {
    while (q < src_.size() && is_space(src_[q])) ++q;
    if (src_.compare(q, word.size(), word) != 0) return std::string::npos;
    q += word.size();
    if (q < src_.size() && is_name_char(src_[q])) return std::string::npos;
    while (q < src_.size() && is_space(src_[q])) ++q;
    bool strip = false;
    if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) {
      strip = src_[q] == '-';
      ++q;
    }
    if (src_.compare(q, 2, "%}") != 0) return std::string::npos;
    if (strip_after) *strip_after = strip;
    return q + 2;
  }

  // {% raw %}...{% endraw %}: the content is one data token, tags inside it are text.
  // Returns the offset after the raw block, or npos when the tag at `start` is not raw.
  gg::result<std::size_t> try_raw(std::size_t start, std::size_t q, bool& lstrip_next) {
    bool strip_content_start = false;
    std::size_t content = match_simple_tag(q, "raw", &strip_content_start);
    if (content == std::string::npos) return std::string::npos;
    std::size_t search = content;
    while (true) {
      std::size_t open = src_.find("{%", search);
      if (open == std::string::npos) {
        return error_at(name_, pos_of(start), "missing end of raw directive");
      }
      std::size_t after = open + 2;
      bool strip_content_end = after < src_.size() && src_[after] == '-';
      if (after < src_.size() && (src_[after] == '-' || src_[after] == '+')) ++after;
      bool strip_after = false;
      std::size_t end = match_simple_tag(after, "endraw", &strip_after);
      if (end == std::string::npos) {
        search = open + 2;
        continue;
      }
      std::string text(src_.substr(content, open - content));
      if (strip_content_start) {
        std::size_t k = 0;
        while (k < text.size() && is_space(text[k])) ++k;
        text.erase(0, k);
      }
      if (strip_content_end) rstrip(text);
      push_data(std::move(text), content);
      lstrip_next = strip_after;
      return end;
    }
  }

  // Lexes the inside of {{ }} or {% %} from q; returns the offset after the closing delimiter.
  gg::result<std::size_t> lex_tag(std::size_t q, bool variable, std::size_t start,
                                  bool& lstrip_next) {
    std::vector<char> balance;
    while (true) {
      while (q < src_.size() && is_space(src_[q])) ++q;
      if (q >= src_.size()) {
        return error_at(name_, pos_of(start),
                        variable ? "unexpected end of template, expected 'end of print statement'"
                                 : "unexpected end of template, expected 'end of statement block'");
      }
      if (balance.empty()) {
        std::string_view rest = std::string_view(src_).substr(q);
        std::string_view close = variable ? "}}" : "%}";
        bool dash = rest.size() >= 3 && rest[0] == '-' && rest.substr(1, 2) == close;
        bool plus = !variable && rest.size() >= 3 && rest[0] == '+' && rest.substr(1, 2) == close;
        if (dash || plus || rest.substr(0, 2) == close) {
          token end;
          end.kind = variable ? token_kind::var_end : token_kind::block_end;
          end.pos = pos_of(q);
          tokens_.push_back(std::move(end));
          lstrip_next = dash;
          return q + ((dash || plus) ? 3 : 2);
        }
      }
      char c = src_[q];
      token t;
      t.pos = pos_of(q);
      if (is_digit(c)) {
        auto n = lex_number(q, t);
        if (!n) return n.error();
        q = *n;
      } else if (is_name_start(c)) {
        std::size_t e = q;
        while (e < src_.size() && is_name_char(src_[e])) ++e;
        t.kind = token_kind::name;
        t.text = src_.substr(q, e - q);
        q = e;
      } else if (c == '\'' || c == '"') {
        auto s = lex_string(q, t);
        if (!s) return s.error();
        q = *s;
      } else {
        static constexpr std::string_view two[] = {"**", "//", "==", "!=", "<=", ">="};
        std::string_view rest = std::string_view(src_).substr(q);
        std::string_view op;
        for (std::string_view o : two) {
          if (rest.substr(0, 2) == o) op = o;
        }
        if (op.empty()) {
          static constexpr std::string_view one = "+-*/%~<>=()[]{},.:|;";
          if (one.find(c) == std::string_view::npos) {
            return error_at(name_, t.pos, fmt::format("unexpected char '{}'", c));
          }
          op = rest.substr(0, 1);
        }
        if (op == "(" || op == "[" || op == "{") {
          balance.push_back(op[0]);
        } else if (op == ")" || op == "]" || op == "}") {
          char want = op == ")" ? '(' : op == "]" ? '[' : '{';
          if (balance.empty() || balance.back() != want) {
            return error_at(name_, t.pos, fmt::format("unexpected '{}'", op));
          }
          balance.pop_back();
        }
        t.kind = token_kind::op;
        t.text = op;
        q += op.size();
      }
      tokens_.push_back(std::move(t));
    }
  }

  gg::result<std::size_t> lex_number(std::size_t q, token& t) {
    std::size_t e = q;
    std::string digits;
    auto take_digits = [&] {
      while (e < src_.size() && (is_digit(src_[e]) || (src_[e] == '_' && e + 1 < src_.size() &&
                                                       is_digit(src_[e + 1]) && e > q))) {
        if (src_[e] != '_') digits += src_[e];
        ++e;
      }
    };
    if (src_[q] == '0' && q + 1 < src_.size() &&
        (src_[q + 1] == 'x' || src_[q + 1] == 'X' || src_[q + 1] == 'o' || src_[q + 1] == 'O' ||
         src_[q + 1] == 'b' || src_[q + 1] == 'B')) {
      char base_char = static_cast<char>(src_[q + 1] | 0x20);
      int base = base_char == 'x' ? 16 : base_char == 'o' ? 8 : 2;
      e = q + 2;
      while (e < src_.size() && (hex_value(src_[e]) >= 0 || src_[e] == '_')) {
        if (src_[e] != '_') digits += src_[e];
        ++e;
      }
      std::int64_t v = 0;
      auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
      if (digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size()) {
        return error_at(name_, t.pos, "invalid integer literal");
      }
      t.kind = token_kind::integer;
      t.i = v;
      return e;
    }
    take_digits();
    bool is_float = false;
    if (e + 1 < src_.size() && src_[e] == '.' && is_digit(src_[e + 1])) {
      is_float = true;
      digits += '.';
      ++e;
      std::size_t mark = e;
      while (e < src_.size() &&
             (is_digit(src_[e]) ||
              (src_[e] == '_' && e > mark && e + 1 < src_.size() && is_digit(src_[e + 1])))) {
        if (src_[e] != '_') digits += src_[e];
        ++e;
      }
    }
    if (e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      std::size_t k = e + 1;
      if (k < src_.size() && (src_[k] == '+' || src_[k] == '-')) ++k;
      if (k < src_.size() && is_digit(src_[k])) {
        is_float = true;
        digits += 'e';
        digits.append(src_, e + 1, k - e - 1);
        e = k;
        while (e < src_.size() && is_digit(src_[e])) digits += src_[e++];
      }
    }
    if (is_float) {
      t.kind = token_kind::floating;
      t.f = std::strtod(digits.c_str(), nullptr);
      return e;
    }
    std::int64_t v = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (r.ec != std::errc()) {
      return error_at(name_, t.pos, "integer literal out of range (64-bit)");
    }
    t.kind = token_kind::integer;
    t.i = v;
    return e;
  }

  // A Python string literal: the escapes of Python's unicode-escape codec; an unknown escape
  // keeps its backslash, as Python does.
  gg::result<std::size_t> lex_string(std::size_t q, token& t) {
    char quote = src_[q];
    std::size_t e = q + 1;
    std::string out;
    while (true) {
      if (e >= src_.size()) return error_at(name_, t.pos, "unterminated string");
      char c = src_[e];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        ++e;
        continue;
      }
      if (e + 1 >= src_.size()) return error_at(name_, t.pos, "unterminated string");
      char n = src_[e + 1];
      e += 2;
      switch (n) {
        case '\n':
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
        case 'u':
        case 'U': {
          std::size_t len = n == 'x' ? 2 : n == 'u' ? 4 : 8;
          std::uint32_t cp = 0;
          for (std::size_t k = 0; k < len; ++k) {
            int h = e + k < src_.size() ? hex_value(src_[e + k]) : -1;
            if (h < 0) return error_at(name_, t.pos, fmt::format("truncated \\{} escape", n));
            cp = cp * 16 + static_cast<std::uint32_t>(h);
          }
          if (cp > 0x10FFFF) return error_at(name_, t.pos, "escape out of the Unicode range");
          append_utf8(out, cp);
          e += len;
          break;
        }
        default:
          if (n >= '0' && n <= '7') {
            std::uint32_t cp = static_cast<std::uint32_t>(n - '0');
            for (int k = 0; k < 2 && e < src_.size() && src_[e] >= '0' && src_[e] <= '7'; ++k) {
              cp = cp * 8 + static_cast<std::uint32_t>(src_[e++] - '0');
            }
            append_utf8(out, cp);
          } else {
            out += '\\';
            out += n;
          }
      }
    }
    t.kind = token_kind::string;
    t.text = std::move(out);
    return e + 1;
  }

  std::string_view name_;
  std::string src_;
  std::vector<std::size_t> line_starts_;
  std::vector<token> tokens_;
};

}  // namespace

gg::result<std::vector<token>> lex(std::string_view name, std::string_view text) {
  return lexer(name, text).run();
}

}  // namespace gg::transform::jinja::detail
