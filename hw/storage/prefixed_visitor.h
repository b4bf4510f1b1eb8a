#pragma once

#include <string>

#include "hw/core/state.h"

namespace dynemu::hw::storage {

// Passes fields on with a prefix ("ide0.unit1.regs"), so parts that share
// field names (two devices on a channel, two channels on a controller)
// stay apart in one flat namespace.
class PrefixedVisitor final : public StateVisitor {
 public:
  PrefixedVisitor(StateVisitor& inner, std::string prefix)
      : m_inner(inner), m_prefix(std::move(prefix)) {}
  void field(const char* name, void* data, size_t bytes) override {
    std::string full = m_prefix + name;
    m_inner.field(full.c_str(), data, bytes);
  }

 private:
  StateVisitor& m_inner;
  std::string m_prefix;
};

}  // namespace dynemu::hw::storage
