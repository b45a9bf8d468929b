#pragma once
// Frees the reference cycles a render leaves behind. Values share lists, dicts and objects by
// reference count, as Python does, so a list appended to itself or a namespace that holds
// itself would otherwise never be freed; Python's cycle collector has the same job.

#include "jinja/value.hpp"

#include <cstddef>
#include <memory>

namespace gg::transform::jinja::detail {

/// While one lives on a thread, the lists, dicts, objects and functions made on that thread
/// (value's container constructors, the renderer's namespaces, loops and bound methods) are
/// recorded. When the outermost one ends, every recorded container that is alive but cannot
/// be reached from outside the recorded containers (Python's trial deletion: a reference not
/// held by a recorded container is from outside) is emptied, which frees the cycle. Values
/// still held by the caller (a call's result, the context, globals) and everything they reach
/// are left alone, so a collector never empties a value in use. Nested collectors (a render
/// started by a native function) record into the outermost one. Not copyable; one thread.
class cycle_collector {
 public:
  cycle_collector();
  ~cycle_collector();
  cycle_collector(const cycle_collector&) = delete;
  cycle_collector& operator=(const cycle_collector&) = delete;

  /// Records a container made now; does nothing when no collector lives on this thread.
  static void track(const std::shared_ptr<list>& l);
  static void track(const std::shared_ptr<dict>& d);
  static void track(const std::shared_ptr<object>& o);

 private:
  static void collect();
};

}  // namespace gg::transform::jinja::detail
