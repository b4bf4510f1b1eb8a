#pragma once

#include <cstdint>

#include "emulator/ir/helper.h"
#include "emulator/x86/cpu_state.h"
#include "emulator/x86/system/memory.h"
#include "emulator/x86/system/segment_check.h"
#include "emulator/x86/system/status.h"

namespace dynemu::x86 {

// Pushes and pops on a stack (segment base + SP/ESP by the B bit) without
// touching registers: the caller writes ESP when nothing can fault any more.
class StackCursor {
 public:
  StackCursor(ir::GuestEnv& env, uint32_t base, uint32_t sp, bool big, Access access)
      : m_env(env), m_base(base), m_sp(sp), m_mask(big ? 0xffffffffu : 0xffffu), m_access(access) {}
  // The current stack (SS:ESP) at the current privilege level.
  // Its pushes and pops check SS's limit (#SS(0)).
  explicit StackCursor(ir::GuestEnv& env)
      : StackCursor(env, env.state->seg[kSs].base, env.state->gpr[kEsp],
                    env.state->seg[kSs].flags & (1u << 14), Access::Cpl) {
    m_ss = &env.state->seg[kSs];
  }

  Status push(uint32_t value, unsigned bytes) {
    m_sp = (m_sp - bytes) & m_mask;
    if (m_ss && !within_limit(*m_ss, m_sp, bytes)) return Fault{12, 0};
    return write_value(m_env, m_access, m_base + m_sp, bytes, value);
  }
  Status pop(unsigned bytes, uint32_t& value) {
    if (m_ss && !within_limit(*m_ss, m_sp & m_mask, bytes)) return Fault{12, 0};
    SYS_TRY(read_value(m_env, m_access, m_base + (m_sp & m_mask), bytes, value));
    m_sp = (m_sp + bytes) & m_mask;
    return {};
  }
  void skip(uint32_t bytes) { m_sp = (m_sp + bytes) & m_mask; }
  uint32_t sp() const { return m_sp; }
  bool big() const { return m_mask == 0xffffffffu; }
  // Writes SP (16-bit stack) or ESP back into the state.
  void commit(CpuState& s) const {
    s.gpr[kEsp] = big() ? m_sp : (s.gpr[kEsp] & 0xffff0000u) | (m_sp & 0xffff);
  }

 private:
  ir::GuestEnv& m_env;
  uint32_t m_base, m_sp, m_mask;
  Access m_access;
  const SegmentCache* m_ss = nullptr;  // the current stack: limit-checked
};

}  // namespace dynemu::x86
