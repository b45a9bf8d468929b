#include "print_limit.hpp"

#include <utility>

namespace gg::transform::jinja::detail {

print_state& thread_print_state() {
  thread_local print_state state;
  return state;
}

print_limit::print_limit(std::size_t max_bytes) : saved_(thread_print_state().limit) {
  print_state& st = thread_print_state();
  st.limit = max_bytes;
  st.failure.clear();
}

print_limit::~print_limit() { thread_print_state().limit = saved_; }

bool print_failed() { return !thread_print_state().failure.empty(); }

std::string take_print_failure() { return std::exchange(thread_print_state().failure, {}); }

}  // namespace gg::transform::jinja::detail
