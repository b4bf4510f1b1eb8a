#pragma once

#include <cstdint>

#include "emulator/ir/helper.h"
#include "emulator/x86/system/status.h"

namespace dynemu::x86 {

// Guest memory for system helpers, through GuestEnv's accessors (the MMU in
// system mode, the guest base in user mode). A #PF the accessor raised into
// env is taken back out of env and returned as a Fault, so that the helper
// decides what becomes of it (#DF during event delivery, a fault of the
// instruction otherwise).
enum class Access : uint8_t {
  Cpl,         // as the current privilege level (stack pushes of the same level)
  Supervisor,  // implicit supervisor access: GDT, LDT, IDT, TSS, inner stacks
};

Status read_mem(ir::GuestEnv& env, Access access, uint32_t linear, void* out, uint32_t len);
Status write_mem(ir::GuestEnv& env, Access access, uint32_t linear, const void* in, uint32_t len);

// Little-endian values of 1, 2 or 4 bytes, zero-extended.
Status read_value(ir::GuestEnv& env, Access access, uint32_t linear, unsigned bytes, uint32_t& out);
Status write_value(ir::GuestEnv& env, Access access, uint32_t linear, unsigned bytes,
                   uint32_t value);

}  // namespace dynemu::x86
