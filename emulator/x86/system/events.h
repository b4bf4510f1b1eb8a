#pragma once

#include <cstdint>

#include "emulator/ir/helper.h"
#include "emulator/x86/system/status.h"

// Interrupt and exception delivery (SDM vol. 3, chapter 6; vol. 2, INT n).
namespace dynemu::x86 {

enum class EventKind : uint8_t {
  External,      // INTR from the PIC (no error code; IDT gate DPL not checked)
  Exception,     // a fault/trap from the CPU; error_code used for 8, 10-14, 17
  SoftwareInt,   // INT n: gate DPL checked against CPL (#GP(vector*8+2))
  SoftwareTrap,  // INT3 / INTO: as SoftwareInt, EIP after the instruction
};

// Delivers one event through the IVT (real mode) or IDT (protected / v8086: gates, privilege
// change with the TSS stack switch, error code push). state.eip must be the return EIP
// (faults: the faulting instruction; traps/INT: the next one). A fault while delivering
// becomes #DF; a fault while delivering #DF is a triple fault: returns false (machine shuts down).
// The caller sets CR2 before delivering a #PF it found; a #PF found during delivery
// sets CR2 here.
bool deliver_event(ir::GuestEnv& env, uint8_t vector, EventKind kind, uint32_t error_code = 0);

// One delivery attempt, returning to `return_eip`: on success the state is
// that of the handler's first instruction; on a fault no register changed
// (memory below the stack pointer may have been written).
Status deliver_once(ir::GuestEnv& env, uint8_t vector, EventKind kind, uint32_t error_code,
                    uint32_t return_eip);

// Ends a system helper: returns state.eip when `st` is ok, otherwise hands
// its fault to the guest. A fault after a task switch committed (TR no
// longer `tr_before`: loading the new task's segments) belongs to the new
// task at its first instruction (SDM vol. 3, 7.3 step 13), so it is
// delivered here, since raising would report the old task's EIP. Anything
// else (and a triple fault) is raised; returns 0 then.
uint64_t finish_helper(ir::GuestEnv& env, const Status& st, uint16_t tr_before);

// software_interrupt(vector, kind, next_eip) -> handler EIP. INT n (kind
// SoftwareInt) and INT3/INTO (SoftwareTrap) in system mode. A fault during
// delivery (gate DPL, #PF on the stack...) is raised at the INT instruction.
// In virtual-8086 mode with IOPL < 3, INT n is #GP(0).
extern const ir::HelperInfo kSoftwareInterruptHelper;

}  // namespace dynemu::x86
