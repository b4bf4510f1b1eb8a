#include "emulator/x86/system/debug.h"

#include <vector>

#include "emulator/ir/opcodes.h"
#include "emulator/x86/system/descriptors.h"

namespace dynemu::x86 {
namespace {

constexpr uint32_t kCr4De = 1u << 3;

// DR0-DR3 that are enabled (L or G) as instruction breakpoints (R/W 00).
// LEN must be 00 for them; other lengths are treated as 00 (undefined).
uint32_t instruction_breakpoints(const CpuState& s) {
  const uint32_t dr7 = s.dr[7];
  uint32_t mask = 0;
  for (unsigned n = 0; n < 4; ++n)
    if (((dr7 >> (2 * n)) & 3) && ((dr7 >> (16 + 4 * n)) & 3) == 0) mask |= 1u << n;
  return mask;
}

// DR0-DR3 enabled as data breakpoints: R/W 01 (writes) or 11 (reads and
// writes). R/W 10 (I/O, with CR4.DE) is not supported.
uint32_t data_breakpoints(const CpuState& s) {
  const uint32_t dr7 = s.dr[7];
  uint32_t mask = 0;
  for (unsigned n = 0; n < 4; ++n) {
    const unsigned rw = (dr7 >> (16 + 4 * n)) & 3;
    if (((dr7 >> (2 * n)) & 3) && (rw == 1 || rw == 3)) mask |= 1u << n;
  }
  return mask;
}

constexpr unsigned kPendingHits = kDrPendingHits;

uint64_t debug_trap(ir::GuestEnv& env, uint64_t next_eip, uint64_t single_step, uint64_t,
                    uint64_t) {
  CpuState& s = *env.state;
  const uint32_t hits = s.dr[kPendingHits];
  if (!single_step && !hits) return 0;
  s.dr[kPendingHits] = 0;
  s.eip = static_cast<uint32_t>(next_eip);
  s.dr[6] = (s.dr[6] & ~0xfu) | hits | (single_step ? kDr6Bs : 0);
  env.raise(kVecDB);
  return 0;
}

uint64_t debug_trap_if(ir::GuestEnv& env, uint64_t cond, uint64_t target, uint64_t single_step,
                       uint64_t) {
  if (static_cast<uint32_t>(cond)) debug_trap(env, target, single_step, 0, 0);
  return 0;
}

uint64_t data_breakpoint(ir::GuestEnv& env, uint64_t linear, uint64_t arg, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  const auto a = static_cast<uint32_t>(linear);
  const uint32_t bytes = static_cast<uint32_t>(arg) & 0xff;
  const bool write = (arg >> 8) & 1;
  const uint32_t enabled = data_breakpoints(s);
  for (unsigned n = 0; n < 4; ++n) {
    if (!(enabled >> n & 1)) continue;
    const unsigned rw = (s.dr[7] >> (16 + 4 * n)) & 3;
    if (rw == 1 && !write) continue;
    // LEN 00/01/11/10 = 1/2/4/8 bytes; the address is aligned to it.
    static constexpr uint32_t kLen[4] = {1, 2, 8, 4};
    const uint32_t len = kLen[(s.dr[7] >> (18 + 4 * n)) & 3];
    const uint32_t start = s.dr[n] & ~(len - 1);
    if (a - start < len || start - a < bytes) s.dr[kPendingHits] |= 1u << n;
  }
  return 0;
}

uint64_t breakpoint_check(ir::GuestEnv& env, uint64_t linear, uint64_t, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  if (s.eflags & kRF) {
    // RF lets the instruction a #DB handler returned to run once.
    s.eflags &= ~kRF;
    return 0;
  }
  const uint32_t enabled = instruction_breakpoints(s);
  uint32_t hits = 0;
  for (unsigned n = 0; n < 4; ++n)
    if ((enabled >> n & 1) && s.dr[n] == static_cast<uint32_t>(linear)) hits |= 1u << n;
  if (hits) {
    s.dr[6] = (s.dr[6] & ~0xfu) | hits;
    env.raise(kVecDB);
  }
  return 0;
}

uint64_t dr_access(ir::GuestEnv& env, uint64_t n, uint64_t, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  if ((n == 4 || n == 5) && (s.cr[4] & kCr4De)) {
    env.raise(6);
    return 0;
  }
  if (s.dr[7] & kDr7Gd) {
    s.dr[6] |= kDr6Bd;
    s.dr[7] &= ~kDr7Gd;  // so that the handler can use the debug registers
    env.raise(kVecDB);
  }
  return 0;
}

bool is_exit(ir::Opcode op) {
  return op == ir::Opcode::ExitIf || op == ir::Opcode::ExitJump || op == ir::Opcode::ExitIndirect;
}

}  // namespace

uint32_t debug_mode(const CpuState& s) {
  uint32_t m = (s.eflags & kTF) ? kModeSingleStep : 0;
  if (!(s.dr[7] & 0xff)) return m;  // no breakpoint enabled (every block lookup)
  if (instruction_breakpoints(s)) m |= kModeBreakpoints;
  if (data_breakpoints(s)) m |= kModeDataBreakpoints;
  return m;
}

void add_debug_traps(ir::Builder& b, bool single_step) {
  std::vector<ir::Inst>& insts = b.block().insts;
  auto constant = [&](uint64_t v) {
    return b.emit(ir::Opcode::Const32, {}, static_cast<uint32_t>(v));
  };
  // From the last exit back, so earlier positions stay valid. Constants are
  // emitted fresh (not the builder's shared ones, which may be defined
  // after the insertion point).
  for (size_t p = insts.size(); p-- > 0;) {
    if (!is_exit(insts[p].op)) continue;
    std::vector<ir::Inst> tail(insts.begin() + static_cast<ptrdiff_t>(p), insts.end());
    insts.resize(p);
    const ir::Inst& exit = tail.front();
    switch (exit.op) {
      case ir::Opcode::ExitIf:
        b.call(kDebugTrapIfHelper, {exit.args[0], constant(exit.imm), constant(single_step)});
        break;
      case ir::Opcode::ExitJump:
        b.call(kDebugTrapHelper, {constant(exit.imm), constant(single_step)});
        break;
      default: b.call(kDebugTrapHelper, {exit.args[0], constant(single_step)}); break;
    }
    insts.insert(insts.end(), tail.begin(), tail.end());
  }
}

constexpr uint16_t kTrapEffects = ir::kReadsState | ir::kWritesState | ir::kMayRaise;
const ir::HelperInfo kDebugTrapHelper{"debug_trap", &debug_trap, ir::Type::Void, 2, kTrapEffects};
const ir::HelperInfo kDebugTrapIfHelper{"debug_trap_if", &debug_trap_if, ir::Type::Void, 3,
                                        kTrapEffects};
const ir::HelperInfo kDataBreakpointHelper{"data_breakpoint", &data_breakpoint, ir::Type::Void, 2,
                                           kTrapEffects};
const ir::HelperInfo kBreakpointCheckHelper{"breakpoint_check", &breakpoint_check, ir::Type::Void,
                                            1, kTrapEffects};
const ir::HelperInfo kDrAccessHelper{"dr_access", &dr_access, ir::Type::Void, 1, kTrapEffects};

}  // namespace dynemu::x86
