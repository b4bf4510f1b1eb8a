// x87 through the whole front end: decoder -> translate_x87 -> IR -> the
// interpreter, on small guest programs (GNU as source above each), checked
// against values computed by the host's x87 in the test itself.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "emulator/interp/interpreter.h"
#include "emulator/ir/verifier.h"
#include "emulator/x86/cpu_state.h"
#include "emulator/x86/lazy_flags.h"
#include "emulator/x86/translate.h"

namespace dynemu::x86 {
namespace {

// clang-format off
// fldl 0x2000; faddl 0x2008; fstpl 0x2010; int $0x80
constexpr uint8_t k_fadd_m64[] = {0xdd, 0x05, 0x00, 0x20, 0x00, 0x00, 0xdc, 0x05, 0x08, 0x20, 0x00, 0x00, 0xdd, 0x1d, 0x10, 0x20, 0x00, 0x00, 0xcd, 0x80};
// fnstcw 0x2020; movw $0x0f7f,0x2022; fldcw 0x2022; fildl 0x2024; fidivl 0x2028; fistpl 0x202c; fldcw 0x2020; int $0x80
constexpr uint8_t k_fistp_trunc[] = {0xd9, 0x3d, 0x20, 0x20, 0x00, 0x00, 0x66, 0xc7, 0x05, 0x22, 0x20, 0x00, 0x00, 0x7f, 0x0f, 0xd9, 0x2d, 0x22, 0x20, 0x00, 0x00, 0xdb, 0x05, 0x24, 0x20, 0x00, 0x00, 0xda, 0x35, 0x28, 0x20, 0x00, 0x00, 0xdb, 0x1d, 0x2c, 0x20, 0x00, 0x00, 0xd9, 0x2d, 0x20, 0x20, 0x00, 0x00, 0xcd, 0x80};
// fld1; fldz; fcomi %st(1),%st; setb %al; fcmovb %st(1),%st; fstps 0x2030; fstp %st(0); int $0x80
constexpr uint8_t k_fcomi_fcmov[] = {0xd9, 0xe8, 0xd9, 0xee, 0xdb, 0xf1, 0x0f, 0x92, 0xc0, 0xda, 0xc1, 0xd9, 0x1d, 0x30, 0x20, 0x00, 0x00, 0xdd, 0xd8, 0xcd, 0x80};
// fld1; fldz; fcompp; fnstsw %ax; int $0x80
constexpr uint8_t k_fnstsw_ax[] = {0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xd9, 0xdf, 0xe0, 0xcd, 0x80};
// fldcw 0x2040; fadd %st(1),%st; nop; fwait; int $0x80
constexpr uint8_t k_mf_at_fwait[] = {0xd9, 0x2d, 0x40, 0x20, 0x00, 0x00, 0xd8, 0xc1, 0x90, 0x9b, 0xcd, 0x80};
// fldcw 0x2040; fstpl 0x2050; nop; movl $1,%ebx; int $0x80
constexpr uint8_t k_store_suppressed[] = {0xd9, 0x2d, 0x40, 0x20, 0x00, 0x00, 0xdd, 0x1d, 0x50, 0x20, 0x00, 0x00, 0x90, 0xbb, 0x01, 0x00, 0x00, 0x00, 0xcd, 0x80};
// fldpi; fld1; fnsave 0x2100; fldz; frstor 0x2100; fstpl 0x2200; fstpl 0x2208; int $0x80
constexpr uint8_t k_fnsave_frstor[] = {0xd9, 0xeb, 0xd9, 0xe8, 0xdd, 0x35, 0x00, 0x21, 0x00, 0x00, 0xd9, 0xee, 0xdd, 0x25, 0x00, 0x21, 0x00, 0x00, 0xdd, 0x1d, 0x00, 0x22, 0x00, 0x00, 0xdd, 0x1d, 0x08, 0x22, 0x00, 0x00, 0xcd, 0x80};
// fld1; fxsave 0x2301; int $0x80
constexpr uint8_t k_fxsave_misaligned[] = {0xd9, 0xe8, 0x0f, 0xae, 0x05, 0x01, 0x23, 0x00, 0x00, 0xcd, 0x80};
// fldpi; fxsave 0x2400; fninit; fxrstor 0x2400; fstpl 0x2200; int $0x80
constexpr uint8_t k_fxsave_fxrstor[] = {0xd9, 0xeb, 0x0f, 0xae, 0x05, 0x00, 0x24, 0x00, 0x00, 0xdb, 0xe3, 0x0f, 0xae, 0x0d, 0x00, 0x24, 0x00, 0x00, 0xdd, 0x1d, 0x00, 0x22, 0x00, 0x00, 0xcd, 0x80};
// fldt 0x2060; fsin; fstpt 0x2070; int $0x80
constexpr uint8_t k_fsin_m80[] = {0xdb, 0x2d, 0x60, 0x20, 0x00, 0x00, 0xd9, 0xfe, 0xdb, 0x3d, 0x70, 0x20, 0x00, 0x00, 0xcd, 0x80};
// fld1; data16 fnstenv 0x2500; fninit; data16 fldenv 0x2500; fstpl 0x2200; int $0x80
constexpr uint8_t k_fnstenv16[] = {0xd9, 0xe8, 0x66, 0xd9, 0x35, 0x00, 0x25, 0x00, 0x00, 0xdb, 0xe3, 0x66, 0xd9, 0x25, 0x00, 0x25, 0x00, 0x00, 0xdd, 0x1d, 0x00, 0x22, 0x00, 0x00, 0xcd, 0x80};
// clang-format on

// A flat 32-bit protected-mode guest with 1 MiB of memory: code at 0x1000,
// data at 0x2000.
class Guest {
 public:
  enum class Stop { Syscall, Exception, Other };

  Guest() : m_mem(1 << 20, 0) {
    s.cr[0] = 0x80050033;  // PE, MP, ET, NE, WP, PG: no EM, no TS
    for (auto& seg : s.seg) seg = SegmentCache{0x2b, 0, 0xffffffff, 0xcff3};
    s.seg[kCs].selector = 0x23;
    s.gpr[kEsp] = 0x8000;
    write_eflags(s, 0x202);
    m_env.state = &s;
    m_env.guest_base = m_mem.data();
  }

  template <size_t N>
  Stop run(const uint8_t (&code)[N]) {
    std::memcpy(&m_mem[0x1000], code, N);
    s.eip = 0x1000;
    for (int blocks = 0; blocks < 100; ++blocks) {
      TranslateRequest req;
      req.eip = s.eip;
      req.mode = ir::kMode32BitCode | ir::kMode32BitStack | ir::kModeFlatSegs | ir::kModeProtected;
      req.fetch = [this](uint32_t addr, uint8_t* out, uint32_t n) -> uint32_t {
        if (addr >= m_mem.size()) return 0;
        n = std::min<uint32_t>(n, uint32_t(m_mem.size() - addr));
        std::memcpy(out, &m_mem[addr], n);
        return n;
      };
      const ir::Block block = translate_block(req);
      const auto verified = ir::verify(block);
      EXPECT_TRUE(verified.ok()) << verified.error().message;
      if (!verified.ok()) return Stop::Other;
      const interp::Program program = interp::Program::compile(block);
      std::vector<uint64_t> temps(program.num_slots());
      switch (interp::run(program, m_env, temps.data()).kind) {
        case interp::ExitKind::Syscall: return Stop::Syscall;
        case interp::ExitKind::Exception: return Stop::Exception;
        case interp::ExitKind::Halt: return Stop::Other;
        default: break;
      }
    }
    return Stop::Other;
  }

  template <typename T>
  T get(uint32_t a) const {
    T v;
    std::memcpy(&v, &m_mem[a], sizeof v);
    return v;
  }
  template <typename T>
  void put(uint32_t a, T v) {
    std::memcpy(&m_mem[a], &v, sizeof v);
  }
  uint8_t vector() const { return m_env.vector; }

  CpuState s;

 private:
  std::vector<uint8_t> m_mem;
  ir::GuestEnv m_env;
};

using Stop = Guest::Stop;

TEST(FpuTranslate, LoadAddStoreDouble) {
  Guest g;
  g.put(0x2000, 1.5);
  g.put(0x2008, 2.25);
  ASSERT_EQ(g.run(k_fadd_m64), Stop::Syscall);
  EXPECT_EQ(g.get<double>(0x2010), 3.75);
  EXPECT_EQ(g.s.fpu.tag, 0xffff);
  EXPECT_EQ(g.s.fpu.last_ip, 0x100cu);  // the FSTP
  EXPECT_EQ(g.s.fpu.last_dp, 0x2010u);
  EXPECT_EQ(g.s.fpu.last_opcode, 0x51d);
}

TEST(FpuTranslate, TruncatingConversionThroughTheControlWord) {
  Guest g;
  g.put<int32_t>(0x2024, -7);
  g.put<int32_t>(0x2028, 2);
  ASSERT_EQ(g.run(k_fistp_trunc), Stop::Syscall);
  EXPECT_EQ(g.get<uint16_t>(0x2020), 0x037f);  // FNSTCW
  EXPECT_EQ(g.get<int32_t>(0x202c), -3);       // -3.5 chopped
  EXPECT_EQ(g.s.fpu.control, 0x037f);
}

TEST(FpuTranslate, FcomiFeedsSetccAndFcmov) {
  Guest g;
  ASSERT_EQ(g.run(k_fcomi_fcmov), Stop::Syscall);
  EXPECT_EQ(g.s.gpr[kEax] & 0xff, 1u);  // 0 < 1: CF
  EXPECT_EQ(g.get<float>(0x2030), 1.0f);
  EXPECT_EQ(g.s.fpu.tag, 0xffff);
}

TEST(FpuTranslate, FnstswAx) {
  Guest g;
  g.s.gpr[kEax] = 0xabcd0000;
  ASSERT_EQ(g.run(k_fnstsw_ax), Stop::Syscall);
  EXPECT_EQ(g.s.gpr[kEax], 0xabcd0100u);  // C0: ST(0) = 0 < 1, stack empty again
}

TEST(FpuTranslate, UnmaskedExceptionRaisesMfAtTheNextWaitingInstruction) {
  Guest g;
  g.put<uint16_t>(0x2040, 0x037e);
  ASSERT_EQ(g.run(k_mf_at_fwait), Stop::Exception);
  EXPECT_EQ(g.vector(), 16);
  EXPECT_EQ(g.s.eip, 0x1009u);          // the FWAIT
  EXPECT_EQ(g.s.fpu.last_ip, 0x1006u);  // the FADD that underflowed
  EXPECT_TRUE(g.s.fpu.exception_pending());
}

TEST(FpuTranslate, UnmaskedInvalidLeavesMemoryAlone) {
  Guest g;
  g.put<uint16_t>(0x2040, 0x037e);
  g.put<uint64_t>(0x2050, 0x1122334455667788);
  ASSERT_EQ(g.run(k_store_suppressed), Stop::Syscall);
  EXPECT_EQ(g.get<uint64_t>(0x2050), 0x1122334455667788u);
  EXPECT_EQ(g.s.gpr[kEbx], 1u);  // execution went on after the FSTP
}

TEST(FpuTranslate, FnsaveFrstorRoundTrip) {
  Guest g;
  ASSERT_EQ(g.run(k_fnsave_frstor), Stop::Syscall);
  EXPECT_EQ(g.get<double>(0x2200), 1.0);
  EXPECT_EQ(g.get<double>(0x2208), M_PI);
  EXPECT_EQ(g.get<uint16_t>(0x2100), 0x037f);
  EXPECT_EQ(g.get<uint32_t>(0x2100 + 12), 0x1002u);  // FIP: the FLD1
}

TEST(FpuTranslate, SixteenBitEnvironment) {
  Guest g;
  g.put<uint16_t>(0x2500 + 14, 0x5a5a);
  ASSERT_EQ(g.run(k_fnstenv16), Stop::Syscall);
  EXPECT_EQ(g.get<uint16_t>(0x2500), 0x037f);       // FCW
  EXPECT_EQ(g.get<uint16_t>(0x2500 + 2), 0x3800);   // FSW: TOP 7
  EXPECT_EQ(g.get<uint16_t>(0x2500 + 4), 0x3fff);   // FTW: physical 7 valid
  EXPECT_EQ(g.get<uint16_t>(0x2500 + 6), 0x1000);   // FIP: the FLD1
  EXPECT_EQ(g.get<uint16_t>(0x2500 + 8), 0x23);     // FCS
  EXPECT_EQ(g.get<uint16_t>(0x2500 + 14), 0x5a5a);  // 14 bytes only
  // FNINIT emptied the stack; FLDENV brought TOP and the tag back, and the
  // register itself was never cleared, as on hardware.
  EXPECT_EQ(g.get<double>(0x2200), 1.0);
}

TEST(FpuTranslate, Fxsave) {
  Guest g;
  ASSERT_EQ(g.run(k_fxsave_misaligned), Stop::Exception);
  EXPECT_EQ(g.vector(), 13);
  EXPECT_EQ(g.s.eip, 0x1002u);
  Guest h;
  ASSERT_EQ(h.run(k_fxsave_fxrstor), Stop::Syscall);
  EXPECT_EQ(h.get<double>(0x2200), M_PI);
  EXPECT_EQ(h.get<uint8_t>(0x2404), 0x80);  // abridged tag: physical register 7 in use
}

TEST(FpuTranslate, SineOfAnExtendedValueMatchesTheHost) {
  Guest g;
  const Float80 x{0xc90fdaa22168c235, 0x4000};  // pi in 80 bits
  g.put(0x2060, x);
  ASSERT_EQ(g.run(k_fsin_m80), Stop::Syscall);
  Float80 want;
  asm volatile("fldt %1\n\tfsin\n\tfstpt %0" : "=m"(want) : "m"(x));
  const Float80 got = g.get<Float80>(0x2070);
  EXPECT_EQ(got.mantissa, want.mantissa);
  EXPECT_EQ(got.sign_exponent, want.sign_exponent);
}

}  // namespace
}  // namespace dynemu::x86
