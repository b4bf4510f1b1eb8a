// The translator over the whole decoder corpus: every instruction we decode,
// under every prefix combination, must translate into a block that passes
// ir::verify (types, temps, one terminator last).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "emulator/ir/printer.h"
#include "emulator/ir/verifier.h"
#include "emulator/x86/decoder.h"
#include "emulator/x86/disasm.h"
#include "emulator/x86/translate.h"

namespace dynemu::x86 {
namespace {

ir::Block translate_bytes(const std::vector<uint8_t>& code, uint32_t mode) {
  TranslateRequest req;
  req.eip = 0x1000;
  req.mode = mode;
  req.max_insns = 1;
  req.fetch = [&code](uint32_t addr, uint8_t* out, uint32_t len) -> uint32_t {
    const uint32_t off = addr - 0x1000;
    if (off >= code.size()) return 0;
    const uint32_t n = std::min<uint32_t>(len, static_cast<uint32_t>(code.size() - off));
    std::memcpy(out, code.data() + off, n);
    return n;
  };
  return translate_block(req);
}

TEST(X86Translator, EveryDecodedInstructionVerifies) {
  const std::vector<std::vector<uint8_t>> prefix_sets = {{},     {0x66}, {0x67}, {0xf3},
                                                         {0xf2}, {0xf0}, {0x64}};
  const uint32_t modes[] = {
      ir::kMode32BitCode | ir::kMode32BitStack | ir::kModeFlatSegs | ir::kModeProtected,
      ir::kModeProtected,
  };
  unsigned checked = 0, failures = 0;
  for (uint32_t mode : modes) {
    for (const auto& prefixes : prefix_sets) {
      for (unsigned map = 0; map < 2; ++map) {
        for (unsigned opc = 0; opc < 256; ++opc) {
          for (unsigned modrm : {0x00u, 0x04u, 0x44u, 0x85u, 0xc0u, 0xc9u, 0xd3u, 0xf8u}) {
            std::vector<uint8_t> code = prefixes;
            if (map) code.push_back(0x0f);
            code.push_back(static_cast<uint8_t>(opc));
            code.push_back(static_cast<uint8_t>(modrm));
            for (uint8_t b : {0x24, 0x05, 0x11, 0x02, 0x33, 0x44, 0x55, 0x66, 0x77})
              code.push_back(b);
            Insn insn;
            const CodeSize cs = (mode & ir::kMode32BitCode) ? CodeSize::Bits32 : CodeSize::Bits16;
            const bool ok = decode(code.data(), code.size(), 0x1000, cs, insn) == DecodeStatus::Ok;
            ir::Block block = translate_bytes(code, mode);
            ++checked;
            auto r = ir::verify(block);
            if (!r.ok() && ++failures < 20) {
              ADD_FAILURE() << (ok ? disassemble(insn) : "(bad)") << ": " << r.error().message
                            << "\n"
                            << ir::print_block(block);
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(failures, 0u);
  EXPECT_GT(checked, 50000u);
}

}  // namespace
}  // namespace dynemu::x86
