#pragma once

#include <atomic>
#include <cstdint>

#include "emulator/ir/block.h"
#include "emulator/ir/helper.h"
#include "emulator/x86/cpu_state.h"
#include "emulator/x86/system/debug.h"
#include "emulator/x86/system/segment_check.h"

namespace dynemu::x86 {

inline constexpr uint32_t kSegDefaultBig = 1u << 14;  // D/B bit, within SegmentCache::flags

// The block-key bits system mode adds above ir::BlockMode's: which
// segments need checks (segment_check.h) and the debug state (debug.h).
inline uint32_t system_mode_bits(const CpuState& s) {
  return segment_check_mode(s) | debug_mode(s);
}

// The ir::BlockMode bits of the block key for state `s` (both modes).
inline uint32_t block_mode(const CpuState& s) {
  uint32_t m = 0;
  if (s.seg[kCs].flags & kSegDefaultBig) m |= ir::kMode32BitCode;
  if (s.seg[kSs].flags & kSegDefaultBig) m |= ir::kMode32BitStack;
  if ((s.seg[kCs].base | s.seg[kDs].base | s.seg[kEs].base | s.seg[kSs].base) == 0)
    m |= ir::kModeFlatSegs;
  if (s.cr[0] & 1) m |= ir::kModeProtected;
  if (s.eflags & kVM) m |= ir::kModeVm86;
  return m;
}

// System mode's key adds the CPL, kModeSystem and system_mode_bits; user
// mode runs at CPL 3.
inline uint32_t system_block_mode(const CpuState& s) {
  uint32_t cpl = 0;
  if (s.cr[0] & 1) cpl = (s.eflags & kVM) ? 3 : (s.seg[kCs].selector & 3);
  return block_mode(s) | ir::kModeSystem | cpl << ir::kModeCplShift | system_mode_bits(s);
}
inline uint32_t user_block_mode(const CpuState& s) {
  return block_mode(s) | 3u << ir::kModeCplShift;
}

// For ir::kKeepsKey helpers, after their state writes: if the key mode of
// the state (of the same kind as `key_mode`, the running block's) is no
// longer `key_mode`, the block must leave at the next instruction boundary
// unchained (GuestEnv::block_invalidated).
inline void check_block_mode(ir::GuestEnv& env, uint32_t key_mode) {
  const CpuState& s = *env.state;
  const uint32_t now = (key_mode & ir::kModeSystem) ? system_block_mode(s) : user_block_mode(s);
  if (now != key_mode) env.block_invalidated = true;
}

// For helpers that may set EFLAGS.IF: interrupts became enabled with the
// interrupt line up: chained code must come back to the CPU loop, which
// takes the interrupt (GuestEnv::irq_line, exit_request).
inline void note_if_set(ir::GuestEnv& env, uint32_t old_eflags) {
  if ((old_eflags & kIF) || !(env.state->eflags & kIF)) return;
  if (std::atomic_ref<uint8_t>(env.irq_line).load(std::memory_order_relaxed))
    std::atomic_ref<uint8_t>(env.exit_request).store(1, std::memory_order_relaxed);
}

}  // namespace dynemu::x86
