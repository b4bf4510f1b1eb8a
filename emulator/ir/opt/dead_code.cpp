#include <cstddef>
#include <vector>

#include "emulator/ir/helper.h"
#include "emulator/ir/opt/optimize.h"
#include "emulator/x86/cpu_state.h"

namespace dynemu::ir::opt {

namespace {

constexpr size_t kGprBegin = offsetof(x86::CpuState, gpr);
constexpr size_t kGprEnd = kGprBegin + sizeof(x86::CpuState::gpr);

uint16_t effects_of(const Inst& inst) {
  return inst.op == Opcode::Call ? inst.helper->effects : op_info(inst.op).effects;
}

// For each instruction: is it an insn_start right after an instruction
// that wrote guest memory? Such a store may invalidate the running block,
// which then stops exactly there (the interpreter checks at every
// insn_start; the flag can only have become set by the instruction just
// before): the guest state is observed at these points. Not after a store
// marked kMemHostProtected (user mode: a store into a code page faults
// before writing, and leaves at that instruction with exact state).
std::vector<bool> stop_points(const Block& block) {
  std::vector<bool> r(block.insts.size());
  bool stored = false;
  for (size_t i = 0; i < block.insts.size(); ++i) {
    if (block.insts[i].op == Opcode::InsnStart) {
      r[i] = stored;
      stored = false;
    }
    const Inst& inst = block.insts[i];
    stored |= (effects_of(inst) & kWritesMem) != 0 &&
              (inst.op == Opcode::Call || !(inst.aux & kMemHostProtected));
  }
  return r;
}

}  // namespace

void remove_dead_code(Block& block) {
  const std::vector<bool> stop = stop_points(block);
  std::vector<bool> used(block.temp_types.size(), false);
  std::vector<bool> keep(block.insts.size(), true);
  uint8_t live_gpr = 0xff;  // at the end, everything is observed
  bool live_cc = true;

  for (size_t i = block.insts.size(); i-- > 0;) {
    const Inst& inst = block.insts[i];
    const uint16_t fx = effects_of(inst);
    // Points where the whole guest state is observed: exits, anything that
    // may raise (state as after the previous instruction), helper calls,
    // and instruction boundaries right after a store (SMC stop).
    if ((fx & (kTerminator | kMayExit | kMayRaise)) || inst.op == Opcode::Call ||
        (inst.op == Opcode::InsnStart && stop[i])) {
      live_gpr = 0xff;
      live_cc = true;
    }
    bool drop = false;
    switch (inst.op) {
      case Opcode::SetGpr: {
        const uint8_t bit = uint8_t(1u << inst.imm);
        if (!(live_gpr & bit)) drop = true;
        live_gpr &= uint8_t(~bit);
        break;
      }
      case Opcode::SetCc:
        if (!live_cc) drop = true;
        live_cc = false;
        break;
      default:
        // Results nobody uses, of ops that only compute or read.
        if (inst.dst.valid() && !used[inst.dst.id] &&
            !(fx & (kWritesState | kWritesCc | kWritesMem | kMayRaise | kMayExit | kTerminator)))
          drop = true;
        break;
    }
    if (drop) {
      keep[i] = false;
      continue;
    }
    for (Value a : inst.args)
      if (a.valid()) used[a.id] = true;
    // What a kept instruction reads becomes live above it.
    switch (inst.op) {
      case Opcode::GetGpr: live_gpr |= uint8_t(1u << inst.imm); break;
      case Opcode::GetState8:
      case Opcode::GetState16:
      case Opcode::GetState32:
        if (inst.imm < kGprEnd && inst.imm + 4 > kGprBegin) live_gpr = 0xff;
        break;
      default: break;
    }
    if (fx & kReadsCc) live_cc = true;
    if (fx & kReadsState && inst.op != Opcode::GetSegBase && inst.op != Opcode::Eflags &&
        inst.op != Opcode::GetGpr && inst.op != Opcode::GetState8 &&
        inst.op != Opcode::GetState16 && inst.op != Opcode::GetState32)
      live_gpr = 0xff;
  }
  std::vector<Inst> out;
  out.reserve(block.insts.size());
  for (size_t i = 0; i < block.insts.size(); ++i)
    if (keep[i]) out.push_back(block.insts[i]);
  block.insts = std::move(out);
}

void prune_insn_starts(Block& block) {
  const std::vector<bool> stop = stop_points(block);
  std::vector<bool> keep(block.insts.size(), true);
  for (size_t i = 0; i < block.insts.size(); ++i) {
    if (block.insts[i].op != Opcode::InsnStart || stop[i]) continue;
    // Needed if the instruction may raise, calls a helper (which may read
    // EIP) or reads CpuState fields directly (EIP among them).
    bool needed = false;
    for (size_t j = i + 1; j < block.insts.size() && block.insts[j].op != Opcode::InsnStart; ++j) {
      const Inst& inst = block.insts[j];
      if ((effects_of(inst) & kMayRaise) || inst.op == Opcode::Call ||
          inst.op == Opcode::GetState8 || inst.op == Opcode::GetState16 ||
          inst.op == Opcode::GetState32) {
        needed = true;
        break;
      }
    }
    keep[i] = needed;
  }
  std::vector<Inst> out;
  out.reserve(block.insts.size());
  for (size_t i = 0; i < block.insts.size(); ++i)
    if (keep[i]) out.push_back(block.insts[i]);
  block.insts = std::move(out);
}

void optimize(Block& block) {
  forward_state(block);
  fuse_addresses(block);
  remove_dead_code(block);
  prune_insn_starts(block);
}

}  // namespace dynemu::ir::opt
