#include "emulator/x86/system/eflags.h"

#include "emulator/ir/opcodes.h"
#include "emulator/x86/lazy_flags.h"
#include "emulator/x86/system/descriptors.h"
#include "emulator/x86/system/mode_bits.h"

namespace dynemu::x86 {
namespace {

uint64_t popf(ir::GuestEnv& env, uint64_t value, uint64_t opsize, uint64_t key_mode, uint64_t) {
  CpuState& s = *env.state;
  const bool vm86 = s.eflags & kVM;
  if (vm86 && iopl_of(s) < 3) return env.raise(kVecGP, 0), 0;
  const uint32_t old = read_eflags(s);
  const uint32_t flags = popf_result(old, static_cast<uint32_t>(value),
                                     static_cast<unsigned>(opsize), cpl_of(s), vm86);
  write_eflags(s, flags);
  note_if_set(env, old);
  check_block_mode(env, static_cast<uint32_t>(key_mode));  // TF, DR7 are key bits
  return 0;
}

uint64_t sti(ir::GuestEnv& env, uint64_t, uint64_t, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  const uint32_t old = s.eflags;
  s.int_shadow = (old & kIF) ? 0 : 1;
  s.eflags = old | kIF;
  note_if_set(env, old);
  return 0;
}

}  // namespace

uint32_t popf_result(uint32_t old, uint32_t popped, unsigned opsize, unsigned cpl, bool vm86) {
  uint32_t mask = kArithFlags | kTF | kDF | kNT | kAC | kID;
  const unsigned iopl = (old >> 12) & 3;
  if (cpl == 0 && !vm86) mask |= kIOPL;
  if (vm86 ? iopl == 3 : cpl <= iopl) mask |= kIF;
  if (opsize == 2) mask &= 0xffff;
  return (((old & ~mask) | (popped & mask)) & ~kRF) | 2;
}

const ir::HelperInfo kPopfHelper{
    "popf", &popf, ir::Type::Void, 3,
    // kWritesMem: the engines check block_invalidated after it (kKeepsKey)
    ir::kReadsState | ir::kWritesState | ir::kReadsCc | ir::kWritesCc | ir::kWritesMem |
        ir::kMayRaise | ir::kKeepsKey};
const ir::HelperInfo kStiHelper{"sti", &sti, ir::Type::Void, 0,
                                ir::kReadsState | ir::kWritesState | ir::kKeepsKey};

}  // namespace dynemu::x86
