#pragma once
// What ingest saw of a member it looks at: its JSON kind and, for a string, its text.

#include <cstdint>
#include <string_view>

namespace gg::ingest::detail {

/// A value ingest looked at, as the client sent it.
struct captured {
  enum class kind : std::uint8_t { absent, null, string, object, other };
  kind k = kind::absent;
  std::string_view text;   // unescaped; set for kind::string
  bool is_true = false;    // the literal true
  bool synthetic = false;  // an object with a member "_synthetic": true

  bool is_string() const noexcept { return k == kind::string; }
  bool is_nonempty_string() const noexcept { return k == kind::string && !text.empty(); }
  /// Present and neither null nor a string.
  bool is_other() const noexcept { return k == kind::object || k == kind::other; }
  /// Present and neither null nor an object.
  bool is_not_object() const noexcept { return k == kind::string || k == kind::other; }
};

}  // namespace gg::ingest::detail
