#pragma once

#include <cstdint>
#include <vector>

#include "emulator/ir/block.h"
#include "emulator/ir/helper.h"

namespace dynemu::interp {

// One pre-decoded IR instruction: 24 bytes, operands as indices into the
// flat temp array (absent operands point at a slot that always holds 0,
// results of void ops at a scratch slot), so dispatch never branches on
// operand presence.
struct Op {
  uint16_t code;  // ir::Opcode, or an interpreter-only form (interpreter.cpp)
  uint16_t dst;
  uint16_t a, b, c, d;
  uint32_t aux;
  uint64_t imm;  // Call: the HelperInfo pointer
};

// A block compiled for the interpreter. Immutable once built; one may be
// run by several CPUs at once, each with its own temps.
class Program {
 public:
  static Program compile(const ir::Block& block);

  const std::vector<Op>& ops() const { return m_ops; }
  // Temps needed to run it (block temps + the zero and scratch slots).
  uint32_t num_slots() const { return m_num_slots; }
  // Constants are not executed: run() stores them into their temps first.
  const std::vector<uint16_t>& const_slots() const { return m_const_slots; }
  const std::vector<uint64_t>& const_values() const { return m_const_values; }
  // The block's ir::BlockMode bits (system mode: the CPL picks the TLB set).
  uint32_t mode() const { return m_mode; }

 private:
  std::vector<Op> m_ops;
  std::vector<uint16_t> m_const_slots;
  std::vector<uint64_t> m_const_values;
  uint32_t m_num_slots = 0;
  uint32_t m_mode = 0;
};

// How a block left.
enum class ExitKind : uint8_t {
  Direct,     // exit_jump / exit_if: EIP set; `slot` is the direct-exit number
  Indirect,   // exit_indirect: EIP set
  Exception,  // raised (env.vector/error_code/fault_addr); EIP set (fault or trap)
  Syscall,    // exit_syscall: EIP after the instruction
  Halt,       // exit_halt: EIP after the instruction
  Stopped,    // a store invalidated the running block: EIP = next instruction
};

struct BlockExit {
  ExitKind kind = ExitKind::Direct;
  uint32_t slot = 0;
};

// Runs `program` over env.state and guest memory. System mode (env.tlb
// set): loads and stores look up the soft TLB inline and call the MMU's
// slow path on a miss, which may raise #PF (an Exception exit). `temps` must hold at least
// program.num_slots() values (the caller keeps one buffer per CPU: no
// allocation per block). Guest exceptions are return values; a host fault
// on a guest memory access (SIGSEGV) is the caller's to catch, and finds
// EIP already at the faulting instruction.
BlockExit run(const Program& program, ir::GuestEnv& env, uint64_t* temps);

}  // namespace dynemu::interp
