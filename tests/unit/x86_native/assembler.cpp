#include "tests/unit/x86_native/assembler.h"

#include <cstring>

namespace dynemu::x86::native {

bool Assembler::finish(uint32_t origin) {
  for (const Ref& r : m_refs) {
    const int64_t target = m_labels[r.label];
    if (target < 0) return false;
    if (r.kind == Kind::Rel8) {
      const int64_t disp = target - static_cast<int64_t>(r.at + 1);
      if (disp < -128 || disp > 127) return false;
      m_code[r.at] = static_cast<uint8_t>(disp);
      continue;
    }
    const uint32_t v = r.kind == Kind::Rel32
                           ? static_cast<uint32_t>(target - static_cast<int64_t>(r.at + 4))
                           : origin + static_cast<uint32_t>(target) + r.addend;
    std::memcpy(&m_code[r.at], &v, 4);
  }
  return true;
}

}  // namespace dynemu::x86::native
