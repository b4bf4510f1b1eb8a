#pragma once

#include <cstdint>

namespace dynemu::x86 {

// A guest fault found by a system operation (descriptor checks, stack
// pushes during event delivery, far transfers...). System helpers compute
// everything, touching no register, until no fault can happen any more:
// then they commit. A fault is a value handed back up, never unwound.
struct Fault {
  uint8_t vector = 0;
  uint32_t error_code = 0;
  uint32_t addr = 0;  // #PF: the linear address (CR2)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Fault f) : m_fault(f), m_failed(true) {}
  bool ok() const { return !m_failed; }
  explicit operator bool() const { return ok(); }
  const Fault& fault() const { return m_fault; }

 private:
  Fault m_fault;
  bool m_failed = false;
};

}  // namespace dynemu::x86

// Returns the Status of `expr` from the enclosing function if it failed.
#define SYS_TRY(expr)                                                       \
  do {                                                                      \
    if (::dynemu::x86::Status _sys_s = (expr); !_sys_s.ok()) return _sys_s; \
  } while (0)
