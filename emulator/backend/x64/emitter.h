#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include <xbyak/xbyak.h>

#include "emulator/backend/x64/jit.h"
#include "emulator/backend/x64/reg_alloc.h"
#include "emulator/interp/interpreter.h"
#include "emulator/ir/block.h"
#include "emulator/ir/helper.h"

namespace dynemu::backend::x64 {

// How compiled code reports its exit: interp::ExitKind in the low byte, the
// direct-exit slot in bits 32..63 (so exec treats both engines alike).
constexpr uint64_t encode_exit(interp::ExitKind kind, uint32_t slot = 0) {
  return static_cast<uint64_t>(kind) | uint64_t{slot} << 32;
}

// Emits the host code of one block. Register plan:
//   rbx = CpuState*, r12 = guest_base, r13 = GuestEnv*, r14 = temps
//   (uint64_t slot per IR value) - pinned, callee-saved under SysV.
//   r9, r10, r11, rbp, r15: IR temps (RegAlloc); a temp without a register
//   lives in its temps slot. Code outside load/store helpers below must not
//   touch these (emit_softmmu included).
//   rax, rcx, rdx, rsi, rdi, r8 are scratch within one op.
// Entry: uint64_t fn(ir::GuestEnv* env, uint64_t* temps, x86::FpuState** x87_slot).
// Frame (rsp, 16-byte aligned, shared by chained blocks): [rsp+0..15]
// scratch for x87 saves, [rsp+16] x87_slot.
//
// Code is written straight into the code cache (the buffer is the whole
// cache), at two cursors: hot code (what runs when nothing unusual
// happens) at one, cold code (slow paths, exit stubs, the block's entry
// and its epilogue) at the other, in a separate region, so that the hot
// code of consecutive blocks is packed into few cache lines and pages.
// Jumps between them are rel32 within the one buffer. The host registers
// are saved and the pinned ones set up once, by a prologue shared by all
// blocks (emit_trampolines, QEMU's tb prologue): a block's entry (its
// BlockFn, cold) loads the address of its body into rcx and jumps there;
// every exit leaves through the block's epilogue (cold: stores its tag)
// and the shared epilogue.
class Emitter : public Xbyak::CodeGenerator {
 public:
  Emitter(uint8_t* code, size_t size);

  // The shared prologue and epilogue at offset `at` (at most `limit`), and
  // the shared checks (calling back into `jit` on the way out).
  void emit_trampolines(size_t at, size_t limit, const Jit* jit);
  // Emits `block` with its hot code at offset hot (below hot_limit) and its
  // cold code at cold (below cold_limit); throws Xbyak::Error when it does
  // not fit (ERR_CODE_IS_TOO_BIG). Afterwards m_hot_end / m_cold_end are
  // where they ended, m_entry_off is the BlockFn.
  void emit_block(const ir::Block& block, size_t hot, size_t hot_limit, size_t cold,
                  size_t cold_limit);
  size_t m_hot_end = 0, m_cold_end = 0, m_entry_off = 0;
  // Moves the emission cursor to the cold region / back to the hot one.
  void to_cold();
  void to_hot();
  bool m_in_cold = false;
  size_t m_other_pos = 0, m_other_limit = 0;  // the cursor not in use
  const uint8_t* m_prologue = nullptr;
  const uint8_t* m_shared_epilogue = nullptr;
  // The block-invalidated test after a store (emit_control.cpp), null
  // until emitted.
  const uint8_t* m_stop_check = nullptr;

  // The temps slot of v (its home when it has no register).
  Xbyak::Address tmp(ir::Value v) const { return qword[r14 + 8 * v.id]; }
  Xbyak::Address tmp32(ir::Value v) const { return dword[r14 + 8 * v.id]; }
  // The pool register holding v now, if any.
  bool in_reg(ir::Value v) const { return m_ra.reg_of(v) != RegAlloc::kNoReg; }
  Xbyak::Reg64 reg64(ir::Value v) const {
    return Xbyak::Reg64(RegAlloc::host_index(m_ra.reg_of(v)));
  }
  Xbyak::Reg32 reg32(ir::Value v) const {
    return Xbyak::Reg32(RegAlloc::host_index(m_ra.reg_of(v)));
  }
  bool is_const(ir::Value v) const { return v.valid() && m_is_const[v.id]; }
  // Loads a (zero-extended) i32 temp, 0 if absent.
  void load32(const Xbyak::Reg32& r, ir::Value v);
  void load64(const Xbyak::Reg64& r, ir::Value v);
  // Stores a 32-bit result (zero-extended) or 64-bit result into temp v.
  void store32(ir::Value v, const Xbyak::Reg32& r);
  void store64(ir::Value v, const Xbyak::Reg64& r);
  // Stores the i32 temp v to `a`: an immediate, its register, or via eax.
  void store_to(const Xbyak::Address& a, ir::Value v);
  // Calls a C function with rsp 16-byte aligned (the frame keeps it so).
  // Temps cached in caller-saved registers are written back to their slots
  // before and reloaded after (arguments already in rdi..r8 stay intact).
  void call_fn(const void* fn);
  // The call instruction itself: rel32 when `fn` is in reach, else via rax.
  void call_c(const void* fn);
  // Out-of-line code (rarely taken paths), emitted after the block's body:
  // keeps the hot path dense. A cold path that calls C takes a snapshot of
  // what call_fn would save here (cold_call_fn, at its emission).
  std::vector<std::function<void()>> m_cold;
  struct CallSaves {
    std::vector<std::pair<uint16_t, unsigned>> regs;  // (temp, pool slot)
    bool x87 = false;
    uint32_t eip = 0;     // the guest instruction's, stored before the call
    bool writes = false;  // the op writes memory (may hit code: tag stored)
  };
  CallSaves call_saves() const;
  void cold_call_fn(const void* fn, const CallSaves& saves);
  // Leaves the block returning encode_exit(kind, slot).
  void leave(uint64_t exit_code);
  // Jumps (jcc `cc`, the low nibble) to cold code that leaves the block
  // returning exit_code (with the x87 residency of here).
  void leave_cold_if(unsigned cc, uint64_t exit_code);
  // jcc rel32 to `l` (cc: the low nibble of the condition code).
  void jcc_near(unsigned cc, const Xbyak::Label& l);
  // A direct exit through `slot` to `eip`. Chaining: a patched `jmp rel32`
  // (QEMU's goto_tb), straight into the successor's body once exec linked
  // it, else (rel32 = 0) into the stub after it, which stores EIP and
  // leaves. Without chaining: stores EIP and leaves.
  void leave_direct(uint32_t slot, uint32_t eip);
  // An indirect exit to the EIP in eax (already stored): jumps straight
  // into the successor's body when m_indirect's table has it, else leaves.
  void leave_indirect();

  // Chaining (Jit::compile_chained). m_exit_sites: (direct exit slot,
  // offset of its jmp's rel32 in the code cache) for exec to patch; the
  // rel32 first points at the exit's stub (cold). The body
  // starts with a test of GuestEnv::exit_request (leaves when set). `tag`
  // is written to temps[-1] when the block leaves (epilogue) and before C
  // calls (which block runs, for exec and SMC).
  bool m_chain = false;
  std::vector<std::pair<uint32_t, uint32_t>> m_exit_sites;
  uint64_t m_tag = 0;
  void store_tag(const Xbyak::Reg64& scratch = Xbyak::util::rax);
  IndirectLookup m_indirect;
  size_t m_body_offset = 0;

  // Temps defined by const32/const64 in this block, so that uses load an
  // immediate instead of the temp (the temp is still written).
  void note_const(ir::Value v, uint64_t value) {
    m_is_const[v.id] = 1;
    m_const[v.id] = value;
  }
  std::vector<uint8_t> m_is_const;
  std::vector<uint64_t> m_const;

  // x87 inline (emit_x87.cpp). A block with inlinable x87 helper calls is
  // emitted twice: a fast version that runs them inline with the x87 state
  // resident in the host unit, and the helper-only version, entered when
  // the fast version's conditions fail (at entry, or at m_slow_at positions).
  static constexpr uint32_t kFramePtrs = 0, kFrameX87Slot = 16, kFrameBytes = 40;
  bool m_x87_fast = false;      // emitting the fast version
  bool m_x87_resident = false;  // here the guest x87 state is in the host unit
  std::map<uint32_t, Xbyak::Label>* m_slow_at = nullptr;
  bool x87_inlinable(const ir::Inst& i) const;
  void x87_emit_inline(const ir::Inst& i);
  // Saves a resident x87 state (FNSAVE); the code after is not resident.
  void x87_settle();
  // Fast version: the conditions again after an op that may change them.
  void x87_recheck();
  bool x87_state_overlaps(const ir::Inst& i) const;
  void x87_check(Xbyak::Label& slow);
  void x87_save_code();  // uses rax only
  void x87_load_code(const Xbyak::Reg64& s0, const Xbyak::Reg64& s1);

  // EIP store and guest state offsets.
  static constexpr uint32_t kEipOff = offsetof(x86::CpuState, eip);
  // Lazy EIP: InsnStart stores nothing. CpuState::eip is written at exits
  // (the next EIP), before C calls that may raise or read it (call_fn for
  // Call and raising ops, every cold_call_fn) and by faulting exits; a host
  // fault inside compiled code finds its instruction through m_pcs (kept
  // by the Jit per block, Jit::guest_eip_at).
  void store_eip(uint32_t eip) { mov(dword[rbx + kEipOff], eip); }
  uint32_t m_cur_eip = 0;         // the guest instruction being emitted
  ir::Opcode m_cur_op{};          // the op being emitted
  bool m_call_needs_eip = false;  // call_fn of the current op stores it
  // (host offset in the block, guest EIP) where each instruction's code
  // starts, hot and cold; sorted by offset after emit_block.
  using PcEntry = HostPc;
  std::vector<PcEntry> m_pcs;
  std::vector<uint32_t> m_cold_eips;  // the instruction of each m_cold entry
  // Whether an earlier op of the block may have stored to guest memory (an
  // InsnStart then checks GuestEnv::block_invalidated).
  bool m_may_have_stored = false;
  // Whether an op since the last InsnStart's check may have stored.
  bool m_store_unchecked = false;
  // What this version's code has already stored to CpuState::cc.op and
  // cc.src/src2 (constants) at this point, or -1: a SetCc skips rewriting the
  // same value. Forgotten at labels other code jumps to, C calls and any
  // other write of the lazy flags.
  int64_t m_cc_op_known = -1, m_cc_src_known = -1, m_cc_src2_known = -1;
  void forget_cc() { m_cc_op_known = m_cc_src_known = m_cc_src2_known = -1; }
  // A comparison whose only use is the next op, an ExitIf: not emitted;
  // the ExitIf compares and branches on the host flags instead.
  const ir::Inst* m_fused_cmp = nullptr;

 private:
  void emit_version(const ir::Block& block, bool fast);
  bool fuses_with_exit(const ir::Block& block, uint32_t pos) const;
  Xbyak::Label* m_epilogue = nullptr;
  RegAlloc m_ra;
  uint32_t m_pos = 0;                     // index of the instruction being emitted
  uint16_t m_cur_dst = ir::Value::kNone;  // its result
};

// The shared block-invalidated check (emit_control.cpp).
void emit_check_thunks(Emitter& e, const Jit* jit);

// One emitter per IR opcode, defined by the op-group files (emit_alu.cpp,
// emit_memory.cpp, emit_flags.cpp, emit_control.cpp, emit_helpers.cpp); a
// missing one is a link error.
#define OPCODE(id, name, res, a0, a1, a2, a3, imm, fx) \
  void emit_##id(Emitter& e, const ir::Inst& i);
#include "emulator/ir/opcodes.inc"
#undef OPCODE

}  // namespace dynemu::backend::x64
