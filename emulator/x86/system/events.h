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

// software_interrupt(vector, kind, next_eip) -> handler EIP. INT n (kind
// SoftwareInt) and INT3/INTO (SoftwareTrap) in system mode. A fault during
// delivery (gate DPL, #PF on the stack...) is raised at the INT instruction.
// In virtual-8086 mode with IOPL < 3, INT n is #GP(0).
extern const ir::HelperInfo kSoftwareInterruptHelper;

}  // namespace dynemu::x86
