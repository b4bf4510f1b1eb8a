#include "emulator/x86/fpu/host_x87.h"

#include <array>
#include <cstring>
#include <utility>

#include "emulator/x86/fpu/x87_forms.h"

namespace dynemu::x86::fpu::host {
namespace {

using RegStub = uint32_t (*)(FpuState&, uint32_t);
using MemStub = void (*)(FpuState&);

// The instruction bytes are emitted with .byte so that the host runs exactly
// the guest's encoding, undocumented aliases included.
template <uint8_t Op, uint8_t Modrm>
uint32_t reg_stub(FpuState& s, uint32_t eflags) {
  if constexpr (x87_reg_form(Op, Modrm).has(kX87Eflags)) {
    // Guest flags in: OF by an 8-bit add that overflows exactly when OF is
    // wanted, then SF/ZF/AF/PF/CF by SAHF. No PUSHF/POPF: inline asm must
    // not touch the stack (the red zone may be live).
    uint32_t ax = (eflags & 0xd5) << 8;
    uint32_t of_seed = (eflags & 0x800) ? 0x7f : 0;
    bool of;
    asm volatile(
        "addb $1, %b2\n\t"
        "sahf\n\t"
        "frstor %0\n\t"
        ".byte %c4, %c5\n\t"
        "lahf\n\t"
        "fnsave %0"
        : "+m"(s), "+a"(ax), "+q"(of_seed), "=@cco"(of)
        : "i"(Op), "i"(Modrm));
    return (eflags & ~0x8d5u) | ((ax >> 8) & 0xd5) | (of ? 0x800u : 0);
  } else {
    asm volatile("frstor %0\n\t.byte %c1, %c2\n\tfnsave %0" : "+m"(s) : "i"(Op), "i"(Modrm));
    return eflags;
  }
}

// Memory forms address the operand as [rax] (ModRM mod=00 rm=000).
template <uint8_t Op, uint8_t Reg>
void mem_stub(FpuState& s) {
  asm volatile("frstor %0\n\t.byte %c2, %c3\n\tfnsave %0"
               : "+m"(s)
               : "a"(s.operand), "i"(Op), "i"(Reg << 3));
}

template <size_t I>
constexpr RegStub reg_entry() {
  constexpr uint8_t op = 0xd8 + I / 64, modrm = 0xc0 + I % 64;
  // FNSTSW AX would write the host's AX; the caller reads the status word.
  if constexpr (x87_reg_form(op, modrm).valid() && !x87_reg_form(op, modrm).has(kX87WritesAx))
    return &reg_stub<op, modrm>;
  else
    return nullptr;
}

template <size_t I>
constexpr MemStub mem_entry() {
  constexpr uint8_t op = 0xd8 + I / 8, reg = I % 8;
  // Environment images go through the dedicated primitives below.
  if constexpr (x87_mem_form(op, reg).valid() && !x87_mem_form(op, reg).has(kX87EnvImage))
    return &mem_stub<op, reg>;
  else
    return nullptr;
}

template <size_t... I>
constexpr std::array<RegStub, sizeof...(I)> reg_table(std::index_sequence<I...>) {
  return {reg_entry<I>()...};
}
template <size_t... I>
constexpr std::array<MemStub, sizeof...(I)> mem_table(std::index_sequence<I...>) {
  return {mem_entry<I>()...};
}

constexpr auto kRegStubs = reg_table(std::make_index_sequence<8 * 64>());
constexpr auto kMemStubs = mem_table(std::make_index_sequence<8 * 8>());

}  // namespace

bool has_reg(uint8_t op, uint8_t modrm) {
  return op >= 0xd8 && op <= 0xdf && modrm >= 0xc0 && kRegStubs[(op - 0xd8) * 64 + modrm - 0xc0];
}

uint32_t run_reg(FpuState& s, uint8_t op, uint8_t modrm, uint32_t eflags) {
  return kRegStubs[(op - 0xd8) * 64 + (modrm - 0xc0)](s, eflags);
}

void run_mem(FpuState& s, uint8_t op, uint8_t reg) {
  kMemStubs[(op - 0xd8) * 8 + reg](s);
}

void fnstenv(FpuState& s, uint8_t image[28]) {
  asm volatile("frstor %0\n\tfnstenv %1\n\tfnsave %0" : "+m"(s), "=m"(*(uint8_t(*)[28])image));
}

void fldenv(FpuState& s, const uint8_t image[28]) {
  asm volatile("frstor %0\n\tfldenv %1\n\tfnsave %0" : "+m"(s) : "m"(*(const uint8_t(*)[28])image));
}

void fnsave(FpuState& s, uint8_t image[108]) {
  // The second FNSAVE stores the state the first one left: FNINIT's.
  asm volatile("frstor %0\n\tfnsave %1\n\tfnsave %0" : "+m"(s), "=m"(*(uint8_t(*)[108])image));
}

void frstor(FpuState& s, const uint8_t image[108]) {
  asm volatile("frstor %1\n\tfnsave %0" : "+m"(s) : "m"(*(const uint8_t(*)[108])image));
}

void fxsave(const FpuState& s, uint8_t* image) {
  asm volatile("frstor %1\n\tfxsave %0\n\tfninit" : "=m"(*(uint8_t(*)[512])image) : "m"(s));
}

}  // namespace dynemu::x86::fpu::host
