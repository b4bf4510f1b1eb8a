#include "emulator/backend/x64/disasm.h"

#include <Zydis/Zydis.h>

#include <cstdio>

namespace dynemu::backend::x64 {

std::string disassemble_host(const void* code, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(code);
  const auto base = reinterpret_cast<uint64_t>(code);
  std::string out;
  char line[320];
  size_t off = 0;
  while (off < size) {
    ZydisDisassembledInstruction insn;
    size_t len = 1;
    if (ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, base + off, bytes + off,
                                           size - off, &insn))) {
      len = insn.info.length;
      std::snprintf(line, sizeof line, "  0x%04zx  %012llx:  %s\n", off,
                    static_cast<unsigned long long>(base + off), insn.text);
    } else {
      std::snprintf(line, sizeof line, "  0x%04zx  %012llx:  .byte 0x%02x\n", off,
                    static_cast<unsigned long long>(base + off), bytes[off]);
    }
    out += line;
    off += len;
  }
  return out;
}

void log_host_code(const void* hot, size_t hot_size, const void* cold, size_t cold_size,
                   uint32_t eip) {
  std::fprintf(stderr, "OUT: [size=%zu hot=%zu] eip=%08x\n%s  -- cold --\n%s\n",
               hot_size + cold_size, hot_size, eip, disassemble_host(hot, hot_size).c_str(),
               disassemble_host(cold, cold_size).c_str());
}

void log_host_code(const void* code, size_t size, uint32_t eip) {
  std::fprintf(stderr, "OUT: [size=%zu] eip=%08x\n%s\n", size, eip,
               disassemble_host(code, size).c_str());
}

}  // namespace dynemu::backend::x64
