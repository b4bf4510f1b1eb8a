#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dynemu::backend::x64 {

// `-d out_asm`: the host (x86-64) code of a compiled block as text, one
// instruction per line with its offset in the block and its address,
// Intel syntax (Zydis). Bytes that do not decode are shown as `.byte`.
//   "  0x0000  7f5a1c2e1000:  mov eax, dword ptr [rbx+0x10]\n"
std::string disassemble_host(const void* code, size_t size);

// Prints a compiled block to stderr as QEMU's `-d out_asm` does, after the
// block's `-d in_asm`/`-d op` output: "OUT: [size=N] eip=XXXXXXXX", then
// disassemble_host(). `eip` is the guest EIP of the block's first insn.
void log_host_code(const void* code, size_t size, uint32_t eip);
// The same for a block in two parts (Jit::Chained::hot and ::cold): both
// listings, the cold one after a "-- cold --" line, offsets per part.
void log_host_code(const void* hot, size_t hot_size, const void* cold, size_t cold_size,
                   uint32_t eip);

}  // namespace dynemu::backend::x64
