#pragma once

#include <cstddef>
#include <string>
#include <utility>

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

// Visits a part's fields as "prefix.name": a device that owns other devices
// (the i8042 and its keyboard and mouse) keeps their names apart.
class PrefixedVisitor : public StateVisitor {
 public:
  PrefixedVisitor(StateVisitor& inner, std::string prefix)
      : m_inner(inner), m_prefix(std::move(prefix)) {}
  void field(const char* name, void* data, size_t bytes) override {
    const std::string full = m_prefix + "." + name;
    m_inner.field(full.c_str(), data, bytes);
  }

 private:
  StateVisitor& m_inner;
  std::string m_prefix;
};

}  // namespace dynemu::hw
