#pragma once

#include <cstdint>

#include "emulator/ir/types.h"
#include "emulator/x86/cpu_state.h"

namespace dynemu::ir {

struct GuestEnv;

// A helper: a C++ function called from IR for rare or complex instructions
// (CPUID, BCD, x87, far transfers...). One uniform signature so that the
// interpreter calls it directly and the JIT with the SysV ABI (rdi = env,
// rsi.. = args, rax = result). Unused arguments are 0; i32 arguments arrive
// zero-extended; an i32 result is the low half of the return value.
using HelperFn = uint64_t (*)(GuestEnv& env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);

// Declared once per helper, as an immutable object with static storage
// duration next to the function, e.g.
//   inline constexpr ir::HelperInfo kCpuidHelper{"cpuid", &cpuid, ir::Type::Void, 0,
//                                                 ir::kReadsState | ir::kWritesState};
// IR refers to it by address. `effects` uses ir::Effect bits (opcodes.h):
// what the helper may touch, so the optimizer and JIT know what to write
// back before the call and reload after it.
struct HelperInfo {
  const char* name;
  HelperFn fn;
  Type result;       // Void, I32 or I64
  uint8_t num_args;  // 0..4
  uint16_t effects;  // ir::Effect bits
};

// Hook called when guest memory holding translated code is written.
// Returns true if the running block itself was invalidated.
using CodeWriteHook = bool (*)(void* owner, uint32_t addr, uint32_t len);

// What a running block (interpreted or compiled) and its helpers see.
// Owned by the CPU loop (exec::Cpu), one per CPU.
struct GuestEnv {
  x86::CpuState* state = nullptr;
  // User mode: guest linear address A is host address guest_base + A.
  uint8_t* guest_base = nullptr;

  // Self-modifying code: one bit per 4 KiB page of the 4 GiB space, set
  // while the page holds translated code. Stores into such a page call
  // on_code_write before the block continues.
  const uint64_t* code_pages = nullptr;
  CodeWriteHook on_code_write = nullptr;
  void* owner = nullptr;

  // A helper raises a guest exception by calling raise() and returning; the
  // engine then leaves the block with EIP at the current instruction
  // (vector 14 also reports fault_addr as CR2).
  bool raised = false;
  uint8_t vector = 0;
  uint32_t error_code = 0;
  uint32_t fault_addr = 0;

  void raise(uint8_t v, uint32_t code = 0, uint32_t addr = 0) {
    raised = true;
    vector = v;
    error_code = code;
    fault_addr = addr;
  }

  bool is_code_page(uint32_t page) const {
    return code_pages && ((code_pages[page >> 6] >> (page & 63)) & 1);
  }
  // Set when a store invalidated the running block: the engine leaves it
  // at the next instruction boundary so the new code runs.
  bool block_invalidated = false;

  // Every store to guest memory (IR stores, and helpers after they store)
  // goes through this check.
  void note_store(uint32_t addr, uint32_t len) {
    if (!is_code_page(addr >> 12) && !is_code_page((addr + len - 1) >> 12)) return;
    if (on_code_write && on_code_write(owner, addr, len)) block_invalidated = true;
  }
  uint8_t* host(uint32_t linear) const { return guest_base + linear; }
};

}  // namespace dynemu::ir
