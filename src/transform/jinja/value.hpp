#pragma once
// The values a template computes with: Python's data model as Jinja sees it (None, bool, int,
// float, str, list, dict), plus Jinja's Undefined, native objects and callables.

#include <gadgetgrove/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace gg::transform::jinja {

class value;
class dict;
class object;
struct call_args;

namespace detail {
struct macro;  // a {% macro %} bound to its template and closure (defined by the evaluator)
}  // namespace detail

/// A list, shared between copies as a Python list is.
using list = std::vector<value>;

/// A native function: reads its arguments, returns a value or an error. The error's message is
/// reported prefixed with the template position of the call. Called concurrently when several
/// renders run at once, so it must be thread-safe if the environment is shared.
using native_function = std::function<gg::result<value>(call_args&)>;

/// Something a template can call: a native function or a macro.
struct function {
  std::string name;
  native_function native;                      // set for a native function
  std::shared_ptr<const detail::macro> macro;  // set for a macro
};

enum class value_kind {
  undefined,
  none,
  boolean,
  integer,
  floating,
  string,
  list,
  dict,
  object,
  function,
};

/// A template value. Copies of lists, dicts and objects share the referenced data, as Python
/// references do; strings and scalars are copied. Not synchronised: a value shared between
/// threads must not be mutated while another thread reads it.
class value {
 public:
  /// Undefined (Jinja's default Undefined: prints as "", is false, errors on attribute access).
  value() noexcept = default;
  value(bool b) noexcept : v_(b) {}
  value(int i) noexcept : v_(std::int64_t{i}) {}
  value(long i) noexcept : v_(static_cast<std::int64_t>(i)) {}
  value(long long i) noexcept : v_(static_cast<std::int64_t>(i)) {}
  value(double d) noexcept : v_(d) {}
  value(std::string s) noexcept : v_(std::move(s)) {}
  value(std::string_view s) : v_(std::string(s)) {}
  value(const char* s) : v_(std::string(s)) {}
  value(list l);
  value(dict d);
  value(std::shared_ptr<list> l) noexcept : v_(std::move(l)) {}
  value(std::shared_ptr<dict> d) noexcept : v_(std::move(d)) {}
  value(std::shared_ptr<object> o) noexcept : v_(std::move(o)) {}
  value(std::shared_ptr<const function> f) noexcept : v_(std::move(f)) {}

  // Out of line: g++ 12 reports false -Wmaybe-uninitialized warnings when std::variant moves
  // are inlined into callers that build a value from a constant.
  value(const value& other);
  value(value&& other) noexcept;
  value& operator=(const value& other);
  value& operator=(value&& other) noexcept;
  ~value();

  static value none() noexcept {
    value v;
    v.v_ = none_t{};
    return v;
  }
  /// A Python tuple: a list that prints as (a, b) (argument packs, dict items, literals).
  static value make_tuple(list l) {
    value v(std::move(l));
    v.tuple_ = true;
    return v;
  }
  /// A callable named `name` (the name appears in error messages).
  static value make_function(std::string name, native_function fn);

  value_kind kind() const noexcept { return static_cast<value_kind>(v_.index()); }
  bool is_undefined() const noexcept { return kind() == value_kind::undefined; }
  bool is_none() const noexcept { return kind() == value_kind::none; }
  bool is_bool() const noexcept { return kind() == value_kind::boolean; }
  bool is_int() const noexcept { return kind() == value_kind::integer; }
  bool is_double() const noexcept { return kind() == value_kind::floating; }
  bool is_number() const noexcept { return is_int() || is_double(); }
  bool is_string() const noexcept { return kind() == value_kind::string; }
  bool is_list() const noexcept { return kind() == value_kind::list; }
  /// A list made as a tuple (see make_tuple); it is a list for every other purpose.
  bool is_tuple() const noexcept { return tuple_ && is_list(); }
  bool is_dict() const noexcept { return kind() == value_kind::dict; }
  bool is_object() const noexcept { return kind() == value_kind::object; }
  bool is_function() const noexcept { return kind() == value_kind::function; }
  /// A function, or an object that says it is callable.
  bool is_callable() const noexcept;

  /// The accessors require the matching kind (checked by the caller with is_*()).
  bool as_bool() const noexcept { return std::get<bool>(v_); }
  std::int64_t as_int() const noexcept { return std::get<std::int64_t>(v_); }
  double as_double() const noexcept { return std::get<double>(v_); }
  /// An int or a float as a double.
  double as_number() const noexcept { return is_int() ? double(as_int()) : as_double(); }
  const std::string& as_string() const noexcept { return std::get<std::string>(v_); }
  list& as_list() const noexcept { return *std::get<std::shared_ptr<list>>(v_); }
  dict& as_dict() const noexcept { return *std::get<std::shared_ptr<dict>>(v_); }
  const std::shared_ptr<list>& list_ptr() const noexcept {
    return std::get<std::shared_ptr<list>>(v_);
  }
  const std::shared_ptr<dict>& dict_ptr() const noexcept {
    return std::get<std::shared_ptr<dict>>(v_);
  }
  const std::shared_ptr<object>& as_object() const noexcept {
    return std::get<std::shared_ptr<object>>(v_);
  }
  const std::shared_ptr<const function>& as_function() const noexcept {
    return std::get<std::shared_ptr<const function>>(v_);
  }

  /// Python truthiness: undefined, None, False, 0, 0.0, "", [] and {} are false.
  bool truthy() const noexcept;

  /// Python's str(): None, True, 1, 1.0, 'a' (unquoted), ['a', 1], {'k': 1}; "" for undefined.
  std::string str() const;
  /// Python's repr(): strings quoted and escaped as Python does.
  std::string repr() const;
  /// Appends str() to out (saves a temporary when rendering).
  void append_str(std::string& out) const;

  /// Python ==: 1 == 1.0 == True, lists and dicts compare element-wise, objects and functions
  /// by identity; undefined equals only undefined.
  bool equals(const value& other) const;

  /// The name Jinja uses for the type in messages: "str", "int", "list", "dict", "NoneType"...
  std::string type_name() const;

 private:
  struct undefined_t {};
  struct none_t {};
  std::variant<undefined_t, none_t, bool, std::int64_t, double, std::string, std::shared_ptr<list>,
               std::shared_ptr<dict>, std::shared_ptr<object>, std::shared_ptr<const function>>
      v_;
  bool tuple_ = false;
};

/// Writes v.repr(), so test frameworks and logs can print values and results holding them.
std::ostream& operator<<(std::ostream& os, const value& v);

/// A dict with string keys in insertion order (Python 3.7+ dict semantics). Setting an existing
/// key keeps its position.
class dict {
 public:
  using entry = std::pair<std::string, value>;

  dict() = default;
  dict(std::initializer_list<entry> entries);

  /// The value for `key`, or nullptr.
  const value* find(std::string_view key) const;
  value* find(std::string_view key);
  /// Sets `key`, replacing the value in place if present, else appending.
  void set(std::string key, value v);
  /// Removes `key`; false if absent.
  bool erase(std::string_view key);

  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  const std::vector<entry>& entries() const noexcept { return entries_; }
  std::vector<entry>::const_iterator begin() const noexcept { return entries_.begin(); }
  std::vector<entry>::const_iterator end() const noexcept { return entries_.end(); }

 private:
  std::ptrdiff_t index_of(std::string_view key) const;
  void reindex();

  std::vector<entry> entries_;
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  // Built once a dict grows past a few entries; small dicts search linearly.
  std::unordered_map<std::string, std::size_t, key_hash, std::equal_to<>> index_;
};

/// The arguments of a call: `f(1, 'a', x=2)` gives positional {1, 'a'} and keyword {x: 2}.
struct call_args {
  std::vector<value> positional;
  std::vector<std::pair<std::string, value>> keyword;

  /// The keyword argument `name`, or nullptr.
  const value* find_keyword(std::string_view name) const;
  /// Argument `name` at `position`: the keyword if given, else the positional at `position`,
  /// else nullptr. Lets a native function take an argument either way, as Python does.
  const value* get(std::size_t position, std::string_view name) const;
};

/// A native object exposed to templates (a relation, `target`, `adapter`, `loop`...).
/// Implementations decide their own thread-safety; objects placed in a shared environment's
/// globals must be safe to read from several renders at once.
class object {
 public:
  virtual ~object() = default;

  /// The attribute `name`, or nullopt when it has none (the template then sees undefined, and
  /// using that undefined further is an error naming the expression).
  virtual std::optional<value> attr(std::string_view name) const = 0;
  /// Assigns an attribute (`{% set ns.x = 1 %}`); the default refuses with an error.
  virtual gg::status set_attr(std::string_view name, value v);
  /// `obj[key]`; the default looks up string keys with attr(), so `target['schema']` works.
  virtual std::optional<value> item(const value& key) const;
  /// What `{{ obj }}` prints.
  virtual std::string str() const = 0;
  /// Whether `obj(...)` is allowed; call() is only invoked when this is true.
  virtual bool callable() const { return false; }
  virtual gg::result<value> call(call_args& args);
  /// The type name used in messages, e.g. "Relation".
  virtual std::string type_name() const = 0;
  /// Calls `fn` with each value the object holds, so the end of a render can free reference
  /// cycles that run through objects (a namespace that holds itself). The default holds none,
  /// which is always safe: what an object holds then counts as referenced from outside.
  virtual void for_each_value(const std::function<void(const value&)>& fn) const;
  /// Drops the values for_each_value reports. Called only at the end of a render, on an object
  /// nothing outside that render's unreachable values refers to. The default does nothing.
  virtual void release_values();
};

}  // namespace gg::transform::jinja
