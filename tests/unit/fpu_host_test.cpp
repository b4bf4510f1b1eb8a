// The x87 helpers (emulator/x86/fpu) against the host's own x87 unit: every
// valid register form and every memory form, on stacks of edge values
// (zeros, denormals, pseudo-denormals, unnormals, infinities, NaNs, huge and
// tiny values), in all rounding modes and precision controls. The oracle
// builds the same situation directly on the host (FNINIT, FLDCW, FLD of each
// register), executes the instruction and FNSAVEs; the helper gets the state
// as an FpuState image. Results, tag word, status word (C0-C3, TOP,
// exception flags), EFLAGS and stored memory must be identical.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "emulator/x86/fpu/host_x87.h"
#include "emulator/x86/fpu/x87_forms.h"
#include "emulator/x86/fpu_state.h"

namespace dynemu::x86::fpu {
namespace {

constexpr Float80 f80(uint16_t se, uint64_t m) {
  return Float80{m, se};
}

// Edge values in the 80-bit format.
const std::vector<Float80> kValues = {
    f80(0x0000, 0),                   // +0
    f80(0x8000, 0),                   // -0
    f80(0x3fff, 0x8000000000000000),  // 1
    f80(0xbfff, 0xc000000000000000),  // -1.5
    f80(0x4000, 0xc90fdaa22168c235),  // pi
    f80(0x3ffd, 0xaaaaaaaaaaaaaaab),  // ~1/3: rounds differently per mode
    f80(0x403e, 0xffffffffffffffff),  // 2^64 - 1
    f80(0x401e, 0x8000000000000000),  // 2^31
    f80(0x4009, 0x9a40000000000000),  // 1234.0
    f80(0x7ffe, 0xffffffffffffffff),  // largest finite
    f80(0x0001, 0x8000000000000000),  // smallest normal
    f80(0x0000, 0x0000000000000001),  // smallest denormal
    f80(0x8000, 0x4000000000000000),  // -denormal
    f80(0x0000, 0x8000000000000001),  // pseudo-denormal
    f80(0x4000, 0x4000000000000000),  // unnormal (unsupported)
    f80(0x7fff, 0x8000000000000000),  // +inf
    f80(0xffff, 0x8000000000000000),  // -inf
    f80(0x7fff, 0xc000000000000000),  // QNaN
    f80(0xffff, 0xa000000000000001),  // -SNaN
    f80(0x7fff, 0x4000000000000000),  // pseudo-NaN (unsupported)
    f80(0x7fff, 0x0000000000000000),  // pseudo-infinity (unsupported)
    f80(0xc3ff, 0x8000000000000000),  // -huge (2^1024)
    f80(0x3bcd, 0x8000000000000001),  // tiny (below double's range)
};

// Rounding control x precision control, all exceptions masked; plus all
// unmasked (the host defers an unmasked exception to the next waiting
// instruction, which neither side executes).
std::vector<uint16_t> control_words() {
  std::vector<uint16_t> cws;
  for (unsigned rc = 0; rc < 4; ++rc)
    for (unsigned pc : {0u, 2u, 3u}) cws.push_back(uint16_t(0x1040 | 0x3f | rc << 10 | pc << 8));
  cws.push_back(0x0340);
  return cws;
}

// A stack situation: ST(0) = regs[0] ... ST(n-1), the rest empty.
struct Situation {
  std::vector<Float80> regs;
  uint16_t control;
  uint32_t eflags;
};

// The state the helper receives for a situation, built by hand as an FNSAVE
// image: TOP = 8 - n, tags 00 (in use) for the n registers.
FpuState to_state(const Situation& s) {
  FpuState f;
  const unsigned n = s.regs.size(), top = (8 - n) & 7;
  f.control = s.control;
  f.status = uint16_t(top << kFpuTopShift);
  f.tag = 0xffff;
  for (unsigned i = 0; i < n; ++i) {
    f.tag &= uint16_t(~(3u << (((top + i) & 7) * 2)));
    f.st[i] = s.regs[i];
  }
  return f;
}

// Oracle: the host sets the situation up itself (no FRSTOR) and runs the
// instruction. Separate asm statements: this code uses no x87 in between.
template <uint8_t Op, uint8_t Modrm>
void oracle_reg(const Situation& s, uint8_t image[108], uint32_t& eflags) {
  asm volatile("fninit\n\tfldcw %0" : : "m"(s.control));
  for (size_t i = s.regs.size(); i-- > 0;) asm volatile("fldt %0" : : "m"(s.regs[i]));
  uint32_t ax = (eflags & 0xd5) << 8, seed = (eflags & 0x800) ? 0x7f : 0;
  bool of;
  asm volatile("addb $1, %b1\n\tsahf\n\t.byte %c4, %c5\n\tlahf\n\tfnsave %2"
               : "+a"(ax), "+q"(seed), "=m"(*(uint8_t(*)[108])image), "=@cco"(of)
               : "i"(Op), "i"(Modrm));
  eflags = (eflags & ~0x8d5u) | ((ax >> 8) & 0xd5) | (of ? 0x800u : 0);
}

template <uint8_t Op, uint8_t Reg>
void oracle_mem(const Situation& s, uint8_t image[108], uint8_t* operand) {
  asm volatile("fninit\n\tfldcw %0" : : "m"(s.control));
  for (size_t i = s.regs.size(); i-- > 0;) asm volatile("fldt %0" : : "m"(s.regs[i]));
  asm volatile(".byte %c3, %c4\n\tfnsave %0"
               : "=m"(*(uint8_t(*)[108])image), "+m"(*(uint8_t(*)[16])operand)
               : "a"(operand), "i"(Op), "i"(Reg << 3));
}

using RegOracle = void (*)(const Situation&, uint8_t*, uint32_t&);
using MemOracle = void (*)(const Situation&, uint8_t*, uint8_t*);

template <size_t I>
constexpr RegOracle reg_oracle() {
  constexpr uint8_t op = 0xd8 + I / 64, modrm = 0xc0 + I % 64;
  constexpr X87Form form = x87_reg_form(op, modrm);
  if constexpr (form.valid() && !form.has(kX87WritesAx))
    return &oracle_reg<op, modrm>;
  else
    return nullptr;
}
template <size_t I>
constexpr MemOracle mem_oracle() {
  constexpr uint8_t op = 0xd8 + I / 8, reg = I % 8;
  constexpr X87Form form = x87_mem_form(op, reg);
  if constexpr (form.valid() && !form.has(kX87EnvImage))
    return &oracle_mem<op, reg>;
  else
    return nullptr;
}
template <size_t... I>
constexpr auto reg_oracles(std::index_sequence<I...>) {
  return std::array<RegOracle, sizeof...(I)>{reg_oracle<I>()...};
}
template <size_t... I>
constexpr auto mem_oracles(std::index_sequence<I...>) {
  return std::array<MemOracle, sizeof...(I)>{mem_oracle<I>()...};
}
constexpr auto kRegOracles = reg_oracles(std::make_index_sequence<512>());
constexpr auto kMemOracles = mem_oracles(std::make_index_sequence<64>());

uint16_t load_le16(const uint8_t* p) {
  return uint16_t(p[0] | p[1] << 8);
}

std::string hex(const void* p, size_t n) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < n; ++i) {
    snprintf(buf, sizeof buf, "%02x", static_cast<const uint8_t*>(p)[i]);
    s += buf;
  }
  return s;
}

// Compares everything but the instruction/data pointers (bytes 12..27),
// which hold host addresses on both sides, and the contents of empty
// registers, which hold whatever earlier code left there.
::testing::AssertionResult same_image(const FpuState& got, const uint8_t want[108]) {
  uint8_t g[108], w[108];
  std::memcpy(g, &got, 108);
  std::memcpy(w, want, 108);
  const unsigned top = (load_le16(w + 4) >> 11) & 7, tag = load_le16(w + 8);
  for (unsigned i = 0; i < 8; ++i)
    if (((tag >> (((top + i) & 7) * 2)) & 3) == 3) {
      std::memset(g + 28 + 10 * i, 0, 10);
      std::memset(w + 28 + 10 * i, 0, 10);
    }
  if (std::memcmp(g, w, 12) == 0 && std::memcmp(g + 28, w + 28, 80) == 0)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\n helper " << hex(g, 12) << " " << hex(g + 28, 80)
                                       << "\n host   " << hex(w, 12) << " " << hex(w + 28, 80);
}

std::vector<Situation> situations() {
  std::vector<Situation> out;
  const auto cws = control_words();
  // Every pair of edge values as ST(0), ST(1), default control word.
  for (const Float80& a : kValues)
    for (const Float80& b : kValues) out.push_back({{a, b}, 0x037f, 0});
  // Selected pairs in every rounding and precision mode.
  const size_t picks[] = {2, 3, 4, 5, 6, 9, 10, 11, 13, 15, 17, 18, 21, 22};
  for (uint16_t cw : cws)
    for (size_t i : picks)
      for (size_t j : {size_t(4), size_t(5), size_t(11), i})
        out.push_back({{kValues[i], kValues[j]}, cw, 0});
  // Empty, one-deep, three-deep and full stacks: underflow and overflow.
  out.push_back({{}, 0x037f, 0});
  out.push_back({{}, 0x037e, 0});
  out.push_back({{kValues[4]}, 0x037f, 0});
  out.push_back({{kValues[5], kValues[13], kValues[8]}, 0x037f, 0});
  std::vector<Float80> full(kValues.begin() + 2, kValues.begin() + 10);
  out.push_back({full, 0x037f, 0});
  out.push_back({full, 0x037e, 0});
  // EFLAGS inputs for FCMOVcc (CF, ZF, PF, combinations).
  for (uint32_t fl : {0x0u, 0x1u, 0x4u, 0x40u, 0x45u, 0x8d5u})
    out.push_back({{kValues[4], kValues[3]}, 0x037f, fl});
  return out;
}

TEST(FpuHost, EveryRegisterFormMatchesTheHost) {
  const auto sits = situations();
  unsigned forms = 0;
  for (unsigned i = 0; i < 512; ++i) {
    if (!kRegOracles[i]) continue;
    ++forms;
    const uint8_t op = 0xd8 + i / 64, modrm = 0xc0 + i % 64;
    ASSERT_TRUE(host::has_reg(op, modrm));
    for (const Situation& s : sits) {
      uint8_t want[108];
      uint32_t want_flags = s.eflags;
      kRegOracles[i](s, want, want_flags);
      FpuState got = to_state(s);
      const uint32_t got_flags = host::run_reg(got, op, modrm, s.eflags);
      ASSERT_TRUE(same_image(got, want))
          << std::hex << "op " << unsigned(op) << " " << unsigned(modrm) << " "
          << x87_reg_form(op, modrm).mnemonic << " cw " << s.control << " depth " << s.regs.size();
      ASSERT_EQ(got_flags, want_flags) << std::hex << unsigned(op) << " " << unsigned(modrm);
    }
  }
  EXPECT_GT(forms, 400u);  // D8-DF minus FNSTSW AX and the #UD holes
}

// Operand bit patterns per memory operand type.
std::vector<std::vector<uint8_t>> operands(X87Operand kind) {
  auto bytes = [](auto v) {
    std::vector<uint8_t> b(sizeof v);
    std::memcpy(b.data(), &v, sizeof v);
    return b;
  };
  std::vector<std::vector<uint8_t>> out;
  switch (kind) {
    case X87Operand::M16int:
      for (uint16_t v : {0, 1, 0x7fff, 0x8000, 0xffff, 1234, 0x037f, 0x0f7f, 0x0040})
        out.push_back(bytes(v));
      break;
    case X87Operand::M32int:
      for (uint32_t v : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xffffffffu, 16777217u})
        out.push_back(bytes(v));
      break;
    case X87Operand::M64int:
      for (uint64_t v :
           {0ull, 1ull, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, (1ull << 53) + 1})
        out.push_back(bytes(v));
      break;
    case X87Operand::M32fp:
      for (uint32_t v : {0u, 0x80000000u, 0x3f800000u, 0x00000001u, 0x807fffffu, 0x7f800000u,
                         0xff800000u, 0x7fc00000u, 0x7f800001u, 0x3eaaaaabu, 0x7f7fffffu})
        out.push_back(bytes(v));
      break;
    case X87Operand::M64fp:
      for (uint64_t v : {0ull, 0x8000000000000000ull, 0x3ff0000000000000ull, 1ull,
                         0x7ff0000000000000ull, 0xfff8000000000000ull, 0x7ff0000000000001ull,
                         0x3fd5555555555555ull, 0x7fefffffffffffffull, 0x000fffffffffffffull})
        out.push_back(bytes(v));
      break;
    case X87Operand::M80fp:
      for (const Float80& v : kValues) out.push_back(bytes(v));
      break;
    case X87Operand::M80bcd: {
      const uint8_t bcds[][10] = {
          {0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0x00},
          {0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x80},
          {0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80},        // -0
          {0xfa, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0x00},  // invalid digits
          {0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f},     // junk in the sign byte
      };
      for (const auto& b : bcds) out.emplace_back(b, b + 10);
      break;
    }
    default: break;
  }
  return out;
}

TEST(FpuHost, EveryMemoryFormMatchesTheHost) {
  const auto cws = control_words();
  unsigned forms = 0;
  for (unsigned i = 0; i < 64; ++i) {
    if (!kMemOracles[i]) continue;
    ++forms;
    const uint8_t op = 0xd8 + i / 8, reg = i % 8;
    const X87Form form = x87_mem_form(op, reg);
    const unsigned bytes = x87_operand_bytes(form.operand, X87ImageFormat::Protected32);
    std::vector<Situation> sits;
    if (form.has(kX87Load)) {
      for (uint16_t cw : cws)
        for (size_t a : {size_t(2), size_t(5), size_t(11), size_t(15), size_t(18)})
          sits.push_back({{kValues[a]}, cw, 0});
      std::vector<Float80> full(kValues.begin() + 2, kValues.begin() + 10);
      sits.push_back({full, 0x037f, 0});  // overflow
    } else {
      for (uint16_t cw : cws)
        for (const Float80& a : kValues) sits.push_back({{a, kValues[2]}, cw, 0});
      sits.push_back({{}, 0x037f, 0});
      sits.push_back({{}, 0x037e, 0});
    }
    const auto values =
        form.has(kX87Load) ? operands(form.operand) : std::vector<std::vector<uint8_t>>{{}};
    for (const auto& value : values)
      for (const Situation& s : sits) {
        uint8_t want[108];
        uint8_t want_mem[16];
        std::memset(want_mem, 0xa5, sizeof want_mem);
        if (!value.empty()) std::memcpy(want_mem, value.data(), value.size());
        kMemOracles[i](s, want, want_mem);
        FpuState got = to_state(s);
        std::memset(got.operand, 0xa5, 16);
        if (!value.empty()) std::memcpy(got.operand, value.data(), value.size());
        host::run_mem(got, op, reg);
        ASSERT_TRUE(same_image(got, want))
            << std::hex << "op " << unsigned(op) << " /" << unsigned(reg) << " " << form.mnemonic
            << " cw " << s.control << " value " << hex(value.data(), value.size());
        if (form.has(kX87Store)) {
          ASSERT_EQ(hex(got.operand, bytes), hex(want_mem, bytes)) << form.mnemonic;
        }
      }
  }
  EXPECT_EQ(forms, 53u);  // 64 minus 4 reserved, 3 FISTTP (SSE3) and 4 environment images
}

}  // namespace
}  // namespace dynemu::x86::fpu
