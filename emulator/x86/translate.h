#pragma once

#include <cstdint>
#include <functional>

#include "emulator/core/log.h"
#include "emulator/ir/block.h"

namespace dynemu::x86 {

// What exec asks the front end to translate (contract: emulator/ir/README.md).
struct TranslateRequest {
  uint32_t eip = 0;      // guest EIP (offset in CS) of the first instruction
  uint32_t cs_base = 0;  // linear address of the code = cs_base + eip
  uint32_t mode = 0;     // ir::BlockMode bits, as computed by exec from CpuState
  // Copies up to `len` bytes of guest code at linear `addr` into `out` and
  // returns how many were readable (fewer at an unmapped page). Never faults.
  std::function<uint32_t(uint32_t addr, uint8_t* out, uint32_t len)> fetch;
  uint32_t max_insns = 0;  // 0: the translator's default cap
  LogMask log;             // -d in_asm: the translator prints the guest code
};

// Translates guest code starting at req.eip into one block ending at a
// branch, an instruction that changes static state (segment loads of
// CS/DS/ES/SS, POPF), a page end or the size cap. The block passes
// ir::verify(). An instruction whose bytes cannot be fetched: if it is the
// first, the block raises #PF (error 0x14, CR2 = first unreadable byte);
// otherwise the block ends before it.
ir::Block translate_block(const TranslateRequest& req);

}  // namespace dynemu::x86
