#pragma once

#include <cstddef>

namespace dynemu::hw {

// Walks every piece of a device's state by name. Snapshots (save and load)
// are visitors, so one visit_state() per device both saves and restores and
// the two can never disagree. Fields are named, never positional, so a new
// field does not break old snapshots.
class StateVisitor {
 public:
  virtual ~StateVisitor() = default;
  // A plain-old-data field (integers, arrays of them, structs of them).
  virtual void field(const char* name, void* data, size_t bytes) = 0;
  template <typename T>
  void operator()(const char* name, T& v) {
    field(name, &v, sizeof v);
  }
};

}  // namespace dynemu::hw
