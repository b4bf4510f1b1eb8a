#pragma once

#include <cstdint>

#include "emulator/ir/helper.h"
#include "emulator/x86/system/status.h"

// Port I/O in system mode (SDM vol. 1, chapter 19): IN/OUT/INS/OUTS through
// GuestEnv::bus, with the IOPL and TSS I/O permission bitmap checks.
namespace dynemu::x86 {

// #GP(0) unless the current privilege may access ports [port, port+size):
// always in real mode and at CPL <= IOPL; otherwise (and always in
// virtual-8086 mode) when the 32-bit TSS's bitmap has those bits clear.
Status check_io_permission(ir::GuestEnv& env, uint16_t port, unsigned size);

// io_in(port, size) -> value; io_out(port, size, value)
extern const ir::HelperInfo kIoInHelper;
extern const ir::HelperInfo kIoOutHelper;

// INS/OUTS with their REP forms: string_io(flags) with flags = size |
// addrsize << 4 | rep << 8 | segment (OUTS source) << 12 | out << 16.
// Runs up to 4096 iterations and returns 1 if more remain (the translator
// re-executes the instruction), else 0. A fault leaves the registers at the
// iterations done, so the instruction restarts where it stopped.
extern const ir::HelperInfo kStringIoHelper;

}  // namespace dynemu::x86
