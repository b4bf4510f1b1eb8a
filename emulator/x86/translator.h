#pragma once

#include <cstdint>

#include "emulator/ir/builder.h"
#include "emulator/x86/insn.h"
#include "emulator/x86/lazy_flags.h"
#include "emulator/x86/translate.h"

namespace dynemu::x86 {

// Lowers decoded instructions to IR, one method per Op (the translate_*.cpp
// files, one per SDM group). Each method opens with its encodings.
//
// Precise exceptions: within an instruction, every load, store and raising
// helper comes before the first write of a guest register or of the lazy
// flags (emulator/ir/README.md).
class Translator {
 public:
  Translator(ir::Builder& b, const TranslateRequest& req) : m_b(b), m_req(req) {}

  // Emits the IR of one instruction (after its insn_start). Returns true if
  // the block must end after it (a terminator was emitted, or state the
  // block was specialized on changed: then it emitted exit_jump itself).
  bool translate(const Insn& insn);

  ir::Builder& ir() { return m_b; }
  uint32_t mode() const { return m_req.mode; }
  bool code32() const { return m_req.mode & ir::kMode32BitCode; }
  // System mode (ir::kModeSystem): privileged instructions have their
  // meaning, far transfers and interrupts go through system/ helpers.
  bool system() const { return m_req.mode & ir::kModeSystem; }
  // The CPL the block was translated for (user mode: 3).
  unsigned cpl() const { return system() ? ir::mode_cpl(m_req.mode) : 3; }
  bool real_mode() const { return !(m_req.mode & ir::kModeProtected); }
  bool vm86() const { return m_req.mode & ir::kModeVm86; }

  // --- addresses
  // Offset of the memory operand (base + index << scale + disp, wrapped to
  // the address size).
  ir::Value effective_address(const Insn& insn);
  // Linear address: segment base + offset (no add for flat segments). In
  // system mode, an access of `bytes` (a write if `write`) through a
  // segment the block key marks as needing checks (system/segment_check.h)
  // is checked first: limit, type, null selector.
  ir::Value linear(unsigned seg, ir::Value offset, unsigned bytes = 1, bool write = false);
  // The memory operand's linear address, checked for `bytes` (0: the size
  // of the instruction's memory operand).
  ir::Value mem_linear(const Insn& insn, unsigned bytes = 0, bool write = false);
  // Checks a write to the memory operand whose address mem_linear returned
  // for a read (read-modify-write instructions).
  void check_mem_write(const Insn& insn, unsigned bytes);
  // A null GS used at CPL 0-2 (for linear): #GP(0) by way of a retry.
  void check_null_gs(ir::Value offset, unsigned bytes, bool write);

  // --- operands (values zero-extended to 32 bits)
  // Reads operand `i`; a memory operand's linear address is computed once
  // and kept in `addr` for a later write_operand.
  ir::Value read_operand(const Insn& insn, unsigned i, ir::Value& addr);
  ir::Value read_operand(const Insn& insn, unsigned i);
  void write_operand(const Insn& insn, unsigned i, ir::Value v, ir::Value addr = {});
  // Linear address of a memory operand `i` (computed once per instruction).
  ir::Value operand_address(const Insn& insn, unsigned i);

  // --- stack (SS:ESP or SS:SP by the block's stack size)
  ir::Value get_sp();
  void set_sp(ir::Value sp);
  ir::Value stack_address(ir::Value sp, unsigned bytes = 1, bool write = false);
  // Stores `v` (`bytes` wide) below `sp`; returns the new stack pointer.
  // The caller writes ESP after its last faulting access.
  ir::Value push_value(ir::Value sp, ir::Value v, unsigned bytes);
  // Loads `bytes` at `sp`; advances `sp`.
  ir::Value pop_value(ir::Value& sp, unsigned bytes);

  // --- flags and state
  void set_flags(CcKind kind, unsigned bytes, ir::Value dst, ir::Value src = {},
                 ir::Value src2 = {});
  // Sets the six arithmetic flags from a materialized EFLAGS value.
  void set_eflags_arith(ir::Value eflags);
  ir::Value get_eflags_stored();  // CpuState::eflags (non-arithmetic bits)
  void set_eflags_stored(ir::Value v);
  // Writes the EFLAGS bits POPF/IRET may change at CPL 3 with IOPL 0 from
  // `value` (an operand of `opsize` bytes); the others stay.
  void set_eflags_user(ir::Value value, unsigned opsize);
  ir::Value df_delta(unsigned bytes);         // +bytes or -bytes by EFLAGS.DF
  ir::Value get_count_reg(const Insn& insn);  // ECX or CX by address size
  void set_count_reg(const Insn& insn, ir::Value v);
  ir::Value get_index_reg(const Insn& insn, unsigned reg);  // ESI/EDI or SI/DI
  void set_index_reg(const Insn& insn, unsigned reg, ir::Value v);

  // Ends the block after this instruction with exit_jump(next EIP).
  void end_block_after(const Insn& insn);

  // --- exceptions
  void fault(uint8_t vector, uint32_t error_code = 0) { m_b.raise_fault(vector, error_code); }
  // Raises `vector` at this instruction if `cond` != 0 (through a helper).
  void fault_if(ir::Value cond, uint8_t vector, uint32_t error_code = 0);
  // Loads segment register `seg` with `selector` (protection checks, #GP/#NP/#SS).
  // The block goes on after it: the rest was specialized on the key's mode
  // (flat bases, SS.B, which segments need checks), and a load that changes
  // that mode makes the block leave at the next instruction (the helper
  // sets GuestEnv::block_invalidated). SS loads end the block: the
  // interrupt shadow they start is the CPU loop's.
  void load_segment(unsigned seg, ir::Value selector);
  // Sets EFLAGS from `v` that differs from the stored EFLAGS in IF/DF at
  // most (CLI, CLD, STD): a write that keeps the block key (ir::kStateKeepsKey).
  void set_eflags_if_df(ir::Value v);

  // --- one method per Op (ops.inc)
#define OP(name, mnemonic) void op_##name(const Insn& insn);
#include "emulator/x86/ops.inc"
#undef OP

 private:
  ir::Builder& m_b;
  const TranslateRequest& m_req;
  bool m_end = false;       // the current instruction ends the block
  int32_t m_esp_bias = 0;   // POP r/m: ESP-based addresses see the popped ESP
  ir::Value m_mem_offset;   // the offset mem_linear last computed (for check_mem_write)
  uint32_t m_insn_eip = 0;  // EIP of the instruction being translated
};

}  // namespace dynemu::x86
