// Operators, comparison, iteration, string formatting and JSON with Python's semantics.

#include "builtins.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace gg::transform::jinja::detail {
namespace {

gg::error type_error(std::string message) {
  return gg::error{errc::invalid_input, std::move(message)};
}

bool numeric(const value& v) { return v.is_number() || v.is_bool(); }

// bool takes part in arithmetic as 0/1, as in Python.
value as_numeric(const value& v) {
  if (v.is_bool()) return value(v.as_bool() ? 1 : 0);
  return v;
}

gg::error unsupported(std::string_view op, const value& a, const value& b) {
  return type_error(fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", op,
                                a.type_name(), b.type_name()));
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  std::int64_t m = a % b;
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

double float_mod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

gg::result<value> repeat(const value& seq, std::int64_t n, const limits& lim) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    const std::string& s = seq.as_string();
    if (!s.empty() && static_cast<std::uint64_t>(n) > lim.max_output_bytes / s.size()) {
      return type_error(
          fmt::format("string repetition exceeds the limit of {} bytes", lim.max_output_bytes));
    }
    std::string out;
    out.reserve(s.size() * static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) out += s;
    return value(std::move(out));
  }
  const list& l = seq.as_list();
  if (!l.empty() && static_cast<std::uint64_t>(n) > lim.max_loop_iterations / l.size()) {
    return type_error(
        fmt::format("list repetition exceeds the limit of {} items", lim.max_loop_iterations));
  }
  list out;
  for (std::int64_t i = 0; i < n; ++i) out.insert(out.end(), l.begin(), l.end());
  return value(std::move(out));
}

// One Python %-conversion of v.
gg::result<std::string> convert_one(const value& v, char type, std::string_view flags, int width,
                                    int precision) {
  std::string body;
  bool numeric_type = std::string_view("diouxXeEfFgGc").find(type) != std::string_view::npos;
  if (type == 's') {
    body = v.str();
    if (precision >= 0 && static_cast<std::size_t>(precision) < body.size()) {
      body.resize(static_cast<std::size_t>(precision));
    }
  } else if (type == 'r' || type == 'a') {
    body = v.repr();
    if (precision >= 0 && static_cast<std::size_t>(precision) < body.size()) {
      body.resize(static_cast<std::size_t>(precision));
    }
  } else if (numeric_type) {
    if (!numeric(v)) {
      return type_error(
          fmt::format("%{} format: a number is required, not {}", type, v.type_name()));
    }
    value n = as_numeric(v);
    std::string spec = "%";
    for (char f : flags) {
      if (f != '#' || type == 'o' || type == 'x' || type == 'X') spec += f;
    }
    // printf pads decimal and float conversions itself; o/x/X/c are padded below.
    bool printf_pads = type != 'o' && type != 'x' && type != 'X' && type != 'c';
    if (printf_pads && width > 0) spec += std::to_string(width);
    if (precision >= 0) spec += "." + std::to_string(precision);
    std::vector<char> storage(static_cast<std::size_t>(width) +
                              static_cast<std::size_t>(std::max(precision, 0)) + 512);
    char* buf = storage.data();
    const std::size_t buf_size = storage.size();
    if (type == 'd' || type == 'i' || type == 'u' || type == 'o' || type == 'x' || type == 'X') {
      long long i = n.is_int() ? n.as_int() : static_cast<long long>(std::trunc(n.as_double()));
      if (type == 'o' || type == 'x' || type == 'X') {
        // Python prints the sign and the magnitude; printf would print two's complement.
        std::string mag_spec = spec + "ll" + type;
        unsigned long long mag =
            i < 0 ? 0ULL - static_cast<unsigned long long>(i) : static_cast<unsigned long long>(i);
        std::snprintf(buf, buf_size, mag_spec.c_str(), mag);
        body = (i < 0 ? "-" : "") + std::string(buf);
        if (type == 'o' && flags.find('#') != std::string_view::npos) {
          auto at = body.find('0');
          if (at != std::string::npos) body.insert(at + 1, "o");
        }
      } else {
        spec += "lld";
        std::snprintf(buf, buf_size, spec.c_str(), i);
        body = buf;
      }
    } else if (type == 'c') {
      if (!n.is_int() || n.as_int() < 0 || n.as_int() > 0x10FFFF) {
        return type_error("%c requires an int in range(0x110000) or a char");
      }
      body = std::string(1, static_cast<char>(n.as_int()));
    } else {
      double d = n.as_number();
      if (std::abs(d) > 1e300 && (type == 'f' || type == 'F')) {
        body = value(d).str();
      } else {
        spec += type;
        std::snprintf(buf, buf_size, spec.c_str(), d);
        body = buf;
      }
    }
    if (printf_pads) return body;
  } else {
    return type_error(fmt::format("unsupported format character '{}'", type));
  }
  if (width > 0 && body.size() < static_cast<std::size_t>(width)) {
    std::size_t pad = static_cast<std::size_t>(width) - body.size();
    if (flags.find('-') != std::string_view::npos) {
      body.append(pad, ' ');
    } else if (!numeric_type || flags.find('0') == std::string_view::npos) {
      body.insert(0, pad, ' ');
    }
  }
  return body;
}

void append_json_string(std::string& out, std::string_view s) {
  // json.dumps(ensure_ascii=True) then Jinja's htmlsafe replacements of < > & '.
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0x80) {
      len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (len == 1 || i + len > s.size()) {
        cp = 0xFFFD;
        len = 1;
      } else {
        cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
        for (std::size_t k = 1; k < len; ++k) {
          cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        }
      }
    }
    i += len;
    char buf[16];
    switch (cp) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '<':
        out += "\\u003c";
        continue;
      case '>':
        out += "\\u003e";
        continue;
      case '&':
        out += "\\u0026";
        continue;
      case '\'':
        out += "\\u0027";
        continue;
      default:
        break;
    }
    if (cp < 0x20 || cp >= 0x7F) {
      if (cp >= 0x10000) {
        std::uint32_t v = cp - 0x10000;
        std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      }
      out += buf;
    } else {
      out += static_cast<char>(cp);
    }
  }
  out += '"';
}

}  // namespace

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

namespace {

gg::result<int> compare_at(const value& a, const value& b, int depth) {
  if (depth > 64) return type_error("comparison nested too deeply");
  if (numeric(a) && numeric(b)) {
    value x = as_numeric(a);
    value y = as_numeric(b);
    if (x.is_int() && y.is_int()) return x.as_int() < y.as_int() ? -1 : x.as_int() > y.as_int();
    double p = x.as_number();
    double q = y.as_number();
    return p < q ? -1 : (p > q ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list()) {
    const list& x = a.as_list();
    const list& y = b.as_list();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (x[i].equals(y[i])) continue;
      return compare_at(x[i], y[i], depth + 1);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  return type_error(fmt::format("'<' not supported between instances of '{}' and '{}'",
                                a.type_name(), b.type_name()));
}

}  // namespace

gg::result<int> compare_values(const value& a, const value& b) { return compare_at(a, b, 0); }

gg::result<value> binary_operation(binary_op op, const value& a, const value& b,
                                   const limits& lim) {
  switch (op) {
    case binary_op::eq:
      return value(a.equals(b));
    case binary_op::ne:
      return value(!a.equals(b));
    case binary_op::lt:
    case binary_op::le:
    case binary_op::gt:
    case binary_op::ge: {
      auto c = compare_values(a, b);
      if (!c) return c.error();
      bool r = op == binary_op::lt   ? *c < 0
               : op == binary_op::le ? *c <= 0
               : op == binary_op::gt ? *c > 0
                                     : *c >= 0;
      return value(r);
    }
    case binary_op::in:
    case binary_op::not_in: {
      auto c = contains(b, a);
      if (!c) return c.error();
      return value(*c == (op == binary_op::in));
    }
    default:
      break;
  }
  static constexpr std::string_view symbols[] = {"+", "-", "*", "/", "//", "%", "**"};
  std::string_view sym = symbols[static_cast<int>(op)];
  if (op == binary_op::add) {
    if (a.is_string() && b.is_string()) {
      if (a.as_string().size() + b.as_string().size() > lim.max_output_bytes) {
        return type_error(
            fmt::format("string exceeds the limit of {} bytes", lim.max_output_bytes));
      }
      return value(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list()) {
      list out = a.as_list();
      out.insert(out.end(), b.as_list().begin(), b.as_list().end());
      return value(std::move(out));
    }
  }
  if (op == binary_op::mul) {
    if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())) {
      return repeat(a, as_numeric(b).as_int(), lim);
    }
    if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool())) {
      return repeat(b, as_numeric(a).as_int(), lim);
    }
  }
  if (op == binary_op::mod && a.is_string()) {
    auto s = percent_format(a.as_string(), b);
    if (!s) return s.error();
    return value(std::move(*s));
  }
  if (!numeric(a) || !numeric(b)) return unsupported(sym, a, b);
  value x = as_numeric(a);
  value y = as_numeric(b);
  if (x.is_int() && y.is_int()) {
    std::int64_t p = x.as_int();
    std::int64_t q = y.as_int();
    std::int64_t r = 0;
    switch (op) {
      case binary_op::add:
        if (__builtin_add_overflow(p, q, &r)) break;
        return value(static_cast<long long>(r));
      case binary_op::sub:
        if (__builtin_sub_overflow(p, q, &r)) break;
        return value(static_cast<long long>(r));
      case binary_op::mul:
        if (__builtin_mul_overflow(p, q, &r)) break;
        return value(static_cast<long long>(r));
      case binary_op::div:
        if (q == 0) return type_error("division by zero");
        return value(static_cast<double>(p) / static_cast<double>(q));
      case binary_op::floordiv:
        if (q == 0) return type_error("integer division or modulo by zero");
        if (p == std::numeric_limits<std::int64_t>::min() && q == -1) break;
        return value(static_cast<long long>(floor_div(p, q)));
      case binary_op::mod:
        if (q == 0) return type_error("integer division or modulo by zero");
        if (q == -1) return value(0);
        return value(static_cast<long long>(floor_mod(p, q)));
      case binary_op::pow: {
        if (q < 0) return value(std::pow(static_cast<double>(p), static_cast<double>(q)));
        std::int64_t acc = 1;
        std::int64_t base = p;
        std::int64_t e = q;
        bool overflow = false;
        while (e > 0 && !overflow) {
          if (e & 1) overflow = __builtin_mul_overflow(acc, base, &acc);
          e >>= 1;
          if (e > 0 && !overflow) overflow = __builtin_mul_overflow(base, base, &base);
        }
        if (overflow) break;
        return value(static_cast<long long>(acc));
      }
      default:
        break;
    }
    return type_error(
        fmt::format("integer overflow in {} {} {} (integers are 64-bit here)", p, sym, q));
  }
  double p = x.as_number();
  double q = y.as_number();
  switch (op) {
    case binary_op::add:
      return value(p + q);
    case binary_op::sub:
      return value(p - q);
    case binary_op::mul:
      return value(p * q);
    case binary_op::div:
      if (q == 0) return type_error("float division by zero");
      return value(p / q);
    case binary_op::floordiv:
      if (q == 0) return type_error("float floor division by zero");
      return value(std::floor(p / q));
    case binary_op::mod:
      if (q == 0) return type_error("float modulo");
      return value(float_mod(p, q));
    case binary_op::pow:
      if (p == 0 && q < 0) return type_error("0.0 cannot be raised to a negative power");
      return value(std::pow(p, q));
    default:
      break;
  }
  return unsupported(sym, a, b);
}

gg::result<bool> contains(const value& container, const value& item) {
  if (container.is_string()) {
    if (!item.is_string()) {
      return type_error(
          fmt::format("'in <string>' requires string as left operand, not {}", item.type_name()));
    }
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_list()) {
    for (const value& v : container.as_list()) {
      if (v.equals(item)) return true;
    }
    return false;
  }
  if (container.is_dict()) {
    return item.is_string() && container.as_dict().find(item.as_string()) != nullptr;
  }
  if (container.is_undefined()) return false;
  return type_error(fmt::format("argument of type '{}' is not iterable", container.type_name()));
}

gg::result<list> iterate(const value& v) {
  switch (v.kind()) {
    case value_kind::undefined:
      return list{};
    case value_kind::list:
      return v.as_list();
    case value_kind::dict: {
      list keys;
      keys.reserve(v.as_dict().size());
      for (const auto& [k, _] : v.as_dict()) keys.emplace_back(k);
      return keys;
    }
    case value_kind::string: {
      list chars;
      const std::string& s = v.as_string();
      for (std::size_t i = 0; i < s.size();) {
        std::size_t len = 1;
        while (i + len < s.size() && (static_cast<unsigned char>(s[i + len]) & 0xC0) == 0x80) {
          ++len;
        }
        chars.emplace_back(s.substr(i, len));
        i += len;
      }
      return chars;
    }
    default:
      return type_error(fmt::format("'{}' object is not iterable", v.type_name()));
  }
}

gg::result<std::int64_t> length_of(const value& v) {
  switch (v.kind()) {
    case value_kind::undefined:
      return 0;
    case value_kind::string:
      return static_cast<std::int64_t>(utf8_length(v.as_string()));
    case value_kind::list:
      return static_cast<std::int64_t>(v.as_list().size());
    case value_kind::dict:
      return static_cast<std::int64_t>(v.as_dict().size());
    default:
      return type_error(fmt::format("object of type '{}' has no len()", v.type_name()));
  }
}

gg::result<std::string> percent_format(const std::string& fmt, const value& args) {
  std::vector<value> positional;
  const dict* mapping = nullptr;
  if (args.is_list()) {
    positional = args.as_list();
  } else {
    if (args.is_dict()) mapping = &args.as_dict();
    positional.push_back(args);
  }
  std::size_t next = 0;
  bool used_mapping = false;
  std::string out;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (++i >= fmt.size()) return type_error("incomplete format");
    if (fmt[i] == '%') {
      out += '%';
      continue;
    }
    const value* arg = nullptr;
    if (fmt[i] == '(') {
      std::size_t close = fmt.find(')', i);
      if (close == std::string::npos) return type_error("incomplete format key");
      if (!mapping) return type_error("format requires a mapping");
      std::string key = fmt.substr(i + 1, close - i - 1);
      arg = mapping->find(key);
      if (!arg) return type_error(fmt::format("KeyError: '{}'", key));
      used_mapping = true;
      i = close + 1;
    }
    std::string flags;
    while (i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos) {
      flags += fmt[i++];
    }
    int width = 0;
    while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
      width = std::min(width * 10 + (fmt[i++] - '0'), 100000);
    }
    int precision = -1;
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      precision = 0;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        precision = std::min(precision * 10 + (fmt[i++] - '0'), 400);
      }
    }
    if (i >= fmt.size()) return type_error("incomplete format");
    if (!arg) {
      if (next >= positional.size()) return type_error("not enough arguments for format string");
      arg = &positional[next++];
    }
    auto s = convert_one(*arg, fmt[i], flags, width, precision);
    if (!s) return s.error();
    out += *s;
  }
  if (!used_mapping && next < positional.size() && !(mapping && next == 0)) {
    return type_error("not all arguments converted during string formatting");
  }
  return out;
}

gg::result<std::string> brace_format(const std::string& fmt, const call_args& args) {
  std::string out;
  std::size_t auto_index = 0;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      return type_error("Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    std::size_t close = fmt.find('}', i);
    if (close == std::string::npos) return type_error("Single '{' encountered in format string");
    std::string field = fmt.substr(i + 1, close - i - 1);
    i = close;
    std::string spec;
    char conversion = 0;
    if (auto colon = field.find(':'); colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field.resize(colon);
    }
    if (auto bang = field.find('!'); bang != std::string::npos) {
      if (bang + 2 != field.size()) return type_error("invalid conversion in format string");
      conversion = field[bang + 1];
      field.resize(bang);
    }
    const value* arg = nullptr;
    if (field.empty()) {
      if (auto_index >= args.positional.size()) {
        return type_error(
            fmt::format("Replacement index {} out of range for positional args "
                        "tuple",
                        auto_index));
      }
      arg = &args.positional[auto_index++];
    } else if (std::all_of(field.begin(), field.end(),
                           [](char d) { return d >= '0' && d <= '9'; })) {
      std::size_t idx = field.size() > 6 ? SIZE_MAX : std::stoul(field);
      if (idx >= args.positional.size()) {
        return type_error(
            fmt::format("Replacement index {} out of range for positional args "
                        "tuple",
                        field));
      }
      arg = &args.positional[idx];
    } else {
      arg = args.find_keyword(field);
      if (!arg) return type_error(fmt::format("KeyError: '{}'", field));
    }
    std::string text;
    if (conversion == 'r') {
      text = arg->repr();
    } else if (conversion == 's' || conversion == 0) {
      text = arg->str();
    } else {
      return type_error(fmt::format("Unknown conversion specifier {}", conversion));
    }
    if (spec.empty()) {
      out += text;
      continue;
    }
    // The format-spec mini-language subset: [[fill]align][0][width][,][.precision][type].
    std::size_t k = 0;
    char fill = ' ';
    char align = 0;
    auto is_align = [](char a) { return a == '<' || a == '>' || a == '^'; };
    if (spec.size() >= 2 && is_align(spec[1])) {
      fill = spec[0];
      align = spec[1];
      k = 2;
    } else if (!spec.empty() && is_align(spec[0])) {
      align = spec[0];
      k = 1;
    }
    if (k < spec.size() && spec[k] == '0') {
      fill = '0';
      if (!align) align = '=';
      ++k;
    }
    std::size_t width = 0;
    while (k < spec.size() && spec[k] >= '0' && spec[k] <= '9') {
      width = std::min<std::size_t>(width * 10 + static_cast<std::size_t>(spec[k++] - '0'), 100000);
    }
    bool grouping = k < spec.size() && spec[k] == ',';
    if (grouping) ++k;
    int precision = -1;
    if (k < spec.size() && spec[k] == '.') {
      ++k;
      precision = 0;
      while (k < spec.size() && spec[k] >= '0' && spec[k] <= '9') {
        precision = std::min(precision * 10 + (spec[k++] - '0'), 400);
      }
    }
    char type = k < spec.size() ? spec[k++] : 0;
    if (k != spec.size()) return type_error(fmt::format("Invalid format specifier '{}'", spec));
    if (type == 'f' || type == 'e' || type == 'g' || type == 'd' || type == '%' ||
        (type == 0 && arg->is_number())) {
      if (!numeric(*arg)) {
        return type_error(fmt::format("Unknown format code '{}' for object of type '{}'",
                                      type ? type : 's', arg->type_name()));
      }
      value n = as_numeric(*arg);
      if (type == 'd') {
        if (!n.is_int()) {
          return type_error("Unknown format code 'd' for object of type 'float'");
        }
        text = std::to_string(n.as_int());
      } else if (type == '%') {
        text = fmt::format("{:.{}f}%", n.as_number() * 100, precision < 0 ? 6 : precision);
      } else if (type == 0 && precision < 0) {
        text = n.str();
      } else {
        char t = type ? type : 'g';
        std::string f = "{:." + std::to_string(precision < 0 ? 6 : precision) + t + "}";
        text = fmt::format(fmt::runtime(f), n.as_number());
      }
      if (grouping) {
        std::size_t start = text[0] == '-' ? 1 : 0;
        std::size_t end = text.find_first_not_of("0123456789", start);
        if (end == std::string::npos) end = text.size();
        for (std::ptrdiff_t p = static_cast<std::ptrdiff_t>(end) - 3;
             p > static_cast<std::ptrdiff_t>(start); p -= 3) {
          text.insert(static_cast<std::size_t>(p), ",");
        }
      }
      if (!align) align = '>';
    } else if (type == 's' || type == 0) {
      if (precision >= 0 && static_cast<std::size_t>(precision) < text.size()) {
        text.resize(static_cast<std::size_t>(precision));
      }
      if (!align) align = '<';
    } else {
      return type_error(fmt::format("Unknown format code '{}'", type));
    }
    std::size_t len = utf8_length(text);
    if (width > len) {
      std::size_t pad = width - len;
      if (align == '<') {
        text.append(pad, fill);
      } else if (align == '>') {
        text.insert(0, pad, fill);
      } else if (align == '^') {
        text.insert(0, pad / 2, fill);
        text.append(pad - pad / 2, fill);
      } else {
        std::size_t at = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
        text.insert(at, pad, fill);
      }
    }
    out += text;
  }
  return out;
}

gg::status append_json(std::string& out, const value& v, int indent, int depth, bool sort_keys) {
  if (depth > 200) return type_error("tojson: value nested too deeply");
  if (out.size() > (std::size_t{128} << 20)) return type_error("tojson: output too large");
  auto newline = [&](int level) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent * level), ' ');
  };
  switch (v.kind()) {
    case value_kind::undefined:
    case value_kind::none:
      out += "null";
      return {};
    case value_kind::boolean:
      out += v.as_bool() ? "true" : "false";
      return {};
    case value_kind::integer:
      v.append_str(out);
      return {};
    case value_kind::floating: {
      double d = v.as_double();
      if (std::isnan(d)) {
        out += "NaN";
      } else if (std::isinf(d)) {
        out += d < 0 ? "-Infinity" : "Infinity";
      } else {
        v.append_str(out);
      }
      return {};
    }
    case value_kind::string:
      append_json_string(out, v.as_string());
      return {};
    case value_kind::list: {
      const list& l = v.as_list();
      if (l.empty()) {
        out += "[]";
        return {};
      }
      out += '[';
      for (std::size_t i = 0; i < l.size(); ++i) {
        if (i > 0) out += indent < 0 ? ", " : ",";
        newline(depth + 1);
        if (auto st = append_json(out, l[i], indent, depth + 1, sort_keys); !st) return st;
      }
      newline(depth);
      out += ']';
      return {};
    }
    case value_kind::dict: {
      const dict& d = v.as_dict();
      if (d.empty()) {
        out += "{}";
        return {};
      }
      std::vector<const dict::entry*> entries;
      for (const auto& e : d) entries.push_back(&e);
      if (sort_keys) {
        std::sort(entries.begin(), entries.end(),
                  [](const dict::entry* a, const dict::entry* b) { return a->first < b->first; });
      }
      out += '{';
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) out += indent < 0 ? ", " : ",";
        newline(depth + 1);
        append_json_string(out, entries[i]->first);
        out += ": ";
        if (auto st = append_json(out, entries[i]->second, indent, depth + 1, sort_keys); !st) {
          return st;
        }
      }
      newline(depth);
      out += '}';
      return {};
    }
    case value_kind::object:
    case value_kind::function:
      return type_error(fmt::format("Object of type {} is not JSON serializable", v.type_name()));
  }
  return {};
}

}  // namespace gg::transform::jinja::detail
