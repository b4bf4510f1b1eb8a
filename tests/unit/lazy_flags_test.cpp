// Lazy flags against the real host CPU: every flag-producing operation and
// size runs natively (inline asm; 8/16/32-bit forms behave the same in
// 64-bit mode) over edge and random operands, and the lazy state built as
// the translator builds it (emulator/x86/lazy_flags.h) must materialize to
// exactly the host's CF PF AF ZF SF OF, undefined flags included.
#include "emulator/x86/lazy_flags.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "emulator/core/bits.h"

namespace dynemu::x86 {
namespace {

struct HostOut {
  uint32_t result = 0;
  uint32_t hi = 0;  // MUL/IMUL one-operand: high half (AH, DX, EDX)
  uint32_t flags = 0;
};

// The test target is built with -mno-red-zone: push/pop below are safe.
#define FLAGS_IN "push %[fi]; popfq; "
#define FLAGS_OUT "; pushfq; pop %[fo]"

// Two-operand "op src, dst" in the three sizes.
#define HOST_BIN(fn, mnem)                                \
  HostOut fn##8(uint32_t d, uint32_t s, uint32_t fin) {   \
    uint64_t f;                                           \
    asm volatile(FLAGS_IN mnem "b %b[s], %b[d]" FLAGS_OUT \
                 : [d] "+r"(d), [fo] "=&r"(f)             \
                 : [s] "r"(s), [fi] "r"(uint64_t{fin})    \
                 : "cc");                                 \
    return {d & 0xff, 0, uint32_t(f)};                    \
  }                                                       \
  HostOut fn##16(uint32_t d, uint32_t s, uint32_t fin) {  \
    uint64_t f;                                           \
    asm volatile(FLAGS_IN mnem "w %w[s], %w[d]" FLAGS_OUT \
                 : [d] "+r"(d), [fo] "=&r"(f)             \
                 : [s] "r"(s), [fi] "r"(uint64_t{fin})    \
                 : "cc");                                 \
    return {d & 0xffff, 0, uint32_t(f)};                  \
  }                                                       \
  HostOut fn##32(uint32_t d, uint32_t s, uint32_t fin) {  \
    uint64_t f;                                           \
    asm volatile(FLAGS_IN mnem "l %k[s], %k[d]" FLAGS_OUT \
                 : [d] "+r"(d), [fo] "=&r"(f)             \
                 : [s] "r"(s), [fi] "r"(uint64_t{fin})    \
                 : "cc");                                 \
    return {d, 0, uint32_t(f)};                           \
  }

// "op %cl, dst" (shifts and rotates).
#define HOST_SHIFT(fn, mnem)                             \
  HostOut fn##8(uint32_t d, uint32_t s, uint32_t fin) {  \
    uint64_t f;                                          \
    asm volatile(FLAGS_IN mnem "b %%cl, %b[d]" FLAGS_OUT \
                 : [d] "+r"(d), [fo] "=&r"(f)            \
                 : "c"(s), [fi] "r"(uint64_t{fin})       \
                 : "cc");                                \
    return {d & 0xff, 0, uint32_t(f)};                   \
  }                                                      \
  HostOut fn##16(uint32_t d, uint32_t s, uint32_t fin) { \
    uint64_t f;                                          \
    asm volatile(FLAGS_IN mnem "w %%cl, %w[d]" FLAGS_OUT \
                 : [d] "+r"(d), [fo] "=&r"(f)            \
                 : "c"(s), [fi] "r"(uint64_t{fin})       \
                 : "cc");                                \
    return {d & 0xffff, 0, uint32_t(f)};                 \
  }                                                      \
  HostOut fn##32(uint32_t d, uint32_t s, uint32_t fin) { \
    uint64_t f;                                          \
    asm volatile(FLAGS_IN mnem "l %%cl, %k[d]" FLAGS_OUT \
                 : [d] "+r"(d), [fo] "=&r"(f)            \
                 : "c"(s), [fi] "r"(uint64_t{fin})       \
                 : "cc");                                \
    return {d, 0, uint32_t(f)};                          \
  }

// Unary "op dst".
#define HOST_UN(fn, mnem)                              \
  HostOut fn##8(uint32_t d, uint32_t, uint32_t fin) {  \
    uint64_t f;                                        \
    asm volatile(FLAGS_IN mnem "b %b[d]" FLAGS_OUT     \
                 : [d] "+r"(d), [fo] "=&r"(f)          \
                 : [fi] "r"(uint64_t{fin})             \
                 : "cc");                              \
    return {d & 0xff, 0, uint32_t(f)};                 \
  }                                                    \
  HostOut fn##16(uint32_t d, uint32_t, uint32_t fin) { \
    uint64_t f;                                        \
    asm volatile(FLAGS_IN mnem "w %w[d]" FLAGS_OUT     \
                 : [d] "+r"(d), [fo] "=&r"(f)          \
                 : [fi] "r"(uint64_t{fin})             \
                 : "cc");                              \
    return {d & 0xffff, 0, uint32_t(f)};               \
  }                                                    \
  HostOut fn##32(uint32_t d, uint32_t, uint32_t fin) { \
    uint64_t f;                                        \
    asm volatile(FLAGS_IN mnem "l %k[d]" FLAGS_OUT     \
                 : [d] "+r"(d), [fo] "=&r"(f)          \
                 : [fi] "r"(uint64_t{fin})             \
                 : "cc");                              \
    return {d, 0, uint32_t(f)};                        \
  }

// One-operand MUL/IMUL: accumulator * src.
#define HOST_MUL1(fn, mnem)                              \
  HostOut fn##8(uint32_t d, uint32_t s, uint32_t fin) {  \
    uint64_t f;                                          \
    uint32_t a = d, dx = 0;                              \
    asm volatile(FLAGS_IN mnem "b %b[s]" FLAGS_OUT       \
                 : "+a"(a), "+d"(dx), [fo] "=&r"(f)      \
                 : [s] "r"(s), [fi] "r"(uint64_t{fin})   \
                 : "cc");                                \
    return {a & 0xff, (a >> 8) & 0xff, uint32_t(f)};     \
  }                                                      \
  HostOut fn##16(uint32_t d, uint32_t s, uint32_t fin) { \
    uint64_t f;                                          \
    uint32_t a = d, dx = 0;                              \
    asm volatile(FLAGS_IN mnem "w %w[s]" FLAGS_OUT       \
                 : "+a"(a), "+d"(dx), [fo] "=&r"(f)      \
                 : [s] "r"(s), [fi] "r"(uint64_t{fin})   \
                 : "cc");                                \
    return {a & 0xffff, dx & 0xffff, uint32_t(f)};       \
  }                                                      \
  HostOut fn##32(uint32_t d, uint32_t s, uint32_t fin) { \
    uint64_t f;                                          \
    uint32_t a = d, dx = 0;                              \
    asm volatile(FLAGS_IN mnem "l %k[s]" FLAGS_OUT       \
                 : "+a"(a), "+d"(dx), [fo] "=&r"(f)      \
                 : [s] "r"(s), [fi] "r"(uint64_t{fin})   \
                 : "cc");                                \
    return {a, dx, uint32_t(f)};                         \
  }

// SHLD/SHRD dst, src, %cl: d = destination, s = source | count << 16 (16-bit)
// or the count is passed separately for 32-bit; we pass (d, s, count).
#define HOST_SHXD(fn, mnem)                                          \
  HostOut fn##16(uint32_t d, uint32_t s, uint32_t c, uint32_t fin) { \
    uint64_t f;                                                      \
    asm volatile(FLAGS_IN mnem "w %%cl, %w[s], %w[d]" FLAGS_OUT      \
                 : [d] "+r"(d), [fo] "=&r"(f)                        \
                 : [s] "r"(s), "c"(c), [fi] "r"(uint64_t{fin})       \
                 : "cc");                                            \
    return {d & 0xffff, 0, uint32_t(f)};                             \
  }                                                                  \
  HostOut fn##32(uint32_t d, uint32_t s, uint32_t c, uint32_t fin) { \
    uint64_t f;                                                      \
    asm volatile(FLAGS_IN mnem "l %%cl, %k[s], %k[d]" FLAGS_OUT      \
                 : [d] "+r"(d), [fo] "=&r"(f)                        \
                 : [s] "r"(s), "c"(c), [fi] "r"(uint64_t{fin})       \
                 : "cc");                                            \
    return {d, 0, uint32_t(f)};                                      \
  }

HOST_BIN(host_add, "add")
HOST_BIN(host_adc, "adc")
HOST_BIN(host_sub, "sub")
HOST_BIN(host_sbb, "sbb")
HOST_BIN(host_and, "and")
HOST_BIN(host_or, "or")
HOST_BIN(host_xor, "xor")
HOST_BIN(host_cmp, "cmp")
HOST_BIN(host_test, "test")
HOST_UN(host_inc, "inc")
HOST_UN(host_dec, "dec")
HOST_UN(host_neg, "neg")
HOST_SHIFT(host_shl, "shl")
HOST_SHIFT(host_shr, "shr")
HOST_SHIFT(host_sar, "sar")
HOST_SHIFT(host_rol, "rol")
HOST_SHIFT(host_ror, "ror")
HOST_SHIFT(host_rcl, "rcl")
HOST_SHIFT(host_rcr, "rcr")
HOST_MUL1(host_mul, "mul")
HOST_MUL1(host_imul1, "imul")
HOST_SHXD(host_shld, "shld")
HOST_SHXD(host_shrd, "shrd")
// Two-operand IMUL, BSF, BSR, BT*: no 8-bit forms; the 8-bit slots are unused.
HostOut host_imul2_16(uint32_t d, uint32_t s, uint32_t fin) {
  uint64_t f;
  asm volatile(FLAGS_IN "imulw %w[s], %w[d]" FLAGS_OUT
               : [d] "+r"(d), [fo] "=&r"(f)
               : [s] "r"(s), [fi] "r"(uint64_t{fin})
               : "cc");
  return {d & 0xffff, 0, uint32_t(f)};
}
HostOut host_imul2_32(uint32_t d, uint32_t s, uint32_t fin) {
  uint64_t f;
  asm volatile(FLAGS_IN "imull %k[s], %k[d]" FLAGS_OUT
               : [d] "+r"(d), [fo] "=&r"(f)
               : [s] "r"(s), [fi] "r"(uint64_t{fin})
               : "cc");
  return {d, 0, uint32_t(f)};
}
#define HOST_BIN_WL(fn, mnem)                             \
  HostOut fn##16(uint32_t d, uint32_t s, uint32_t fin) {  \
    uint64_t f;                                           \
    asm volatile(FLAGS_IN mnem "w %w[s], %w[d]" FLAGS_OUT \
                 : [d] "+r"(d), [fo] "=&r"(f)             \
                 : [s] "r"(s), [fi] "r"(uint64_t{fin})    \
                 : "cc");                                 \
    return {d & 0xffff, 0, uint32_t(f)};                  \
  }                                                       \
  HostOut fn##32(uint32_t d, uint32_t s, uint32_t fin) {  \
    uint64_t f;                                           \
    asm volatile(FLAGS_IN mnem "l %k[s], %k[d]" FLAGS_OUT \
                 : [d] "+r"(d), [fo] "=&r"(f)             \
                 : [s] "r"(s), [fi] "r"(uint64_t{fin})    \
                 : "cc");                                 \
    return {d, 0, uint32_t(f)};                           \
  }
HOST_BIN_WL(host_bsf, "bsf")
HOST_BIN_WL(host_bsr, "bsr")
HOST_BIN_WL(host_bt, "bt")
HOST_BIN_WL(host_bts, "bts")
HOST_BIN_WL(host_btr, "btr")
HOST_BIN_WL(host_btc, "btc")

using HostFn = HostOut (*)(uint32_t, uint32_t, uint32_t);

// Conditions from materialized flags, written independently of eval_cond.
bool cond_from_flags(uint32_t f, unsigned cc) {
  const bool cf = f & kCF, zf = f & kZF, sf = f & kSF, of = f & kOF, pf = f & kPF;
  bool r = false;
  switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    case 7: r = zf || sf != of; break;
  }
  return (cc & 1) ? !r : r;
}

std::string flag_names(uint32_t f) {
  std::string s;
  const std::pair<uint32_t, const char*> names[] = {{kCF, "CF"}, {kPF, "PF"}, {kAF, "AF"},
                                                    {kZF, "ZF"}, {kSF, "SF"}, {kOF, "OF"}};
  for (auto [bit, name] : names)
    if (f & bit) s += std::string(s.empty() ? "" : " ") + name;
  return s.empty() ? "-" : s;
}

// Checks one case; returns false (and reports) on a mismatch.
bool check(const char* what, unsigned bytes, uint32_t d, uint32_t s, uint32_t fin,
           const HostOut& host, const LazyFlags& cc) {
  const uint32_t want = host.flags & kArithFlags;
  const uint32_t got = materialize_flags(cc);
  if (want != got) {
    ADD_FAILURE() << what << (bytes * 8) << " d=0x" << std::hex << d << " s=0x" << s
                  << " flags_in=0x" << fin << " -> result 0x" << host.result << ": host flags ["
                  << flag_names(want) << "], lazy [" << flag_names(got) << "], differing ["
                  << flag_names(want ^ got) << "]";
    return false;
  }
  for (unsigned c = 0; c < 16; ++c) {
    if (eval_cond(cc, c) != cond_from_flags(want, c)) {
      ADD_FAILURE() << what << (bytes * 8) << " d=0x" << std::hex << d << " s=0x" << s
                    << ": eval_cond(" << std::dec << c << ") disagrees with the flags";
      return false;
    }
  }
  return true;
}

std::vector<uint32_t> operands(unsigned bytes, unsigned random_count) {
  std::vector<uint32_t> v = {
      0,          1,          2,          3,          7,          8,         0xf,    0x10,
      0x11,       0x3f,       0x40,       0x7e,       0x7f,       0x80,      0x81,   0xfe,
      0xff,       0x100,      0x7fff,     0x8000,     0x8001,     0xfffe,    0xffff, 0x10000,
      0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x12345678};
  std::mt19937 rng(bytes * 7919 + random_count);
  for (unsigned i = 0; i < random_count; ++i) v.push_back(rng());
  for (auto& x : v) x &= size_mask(bytes);
  return v;
}

// Flag inputs: none, all arithmetic flags, and CF alone (carry-in).
constexpr uint32_t kFlagInputs[] = {0x2, 0x2 | kArithFlags, 0x2 | kCF, 0x2 | kZF | kAF};

struct Sized {
  HostFn f8, f16, f32;
  HostFn at(unsigned bytes) const { return bytes == 1 ? f8 : bytes == 2 ? f16 : f32; }
};
#define SIZED(fn)         \
  Sized {                 \
    fn##8, fn##16, fn##32 \
  }

using MakeCc = std::function<LazyFlags(unsigned bytes, uint32_t d, uint32_t s, uint32_t fin,
                                       const HostOut& out)>;

LazyFlags lazy(CcKind kind, unsigned bytes, uint32_t dst, uint32_t src, uint32_t src2 = 0) {
  return {static_cast<uint32_t>(cc_op(kind, bytes)), dst, src, src2};
}

void run_binary(const char* what, Sized host, MakeCc make, unsigned min_bytes = 1) {
  int failures = 0;
  for (unsigned bytes : {1u, 2u, 4u}) {
    if (bytes < min_bytes) continue;
    std::vector<uint32_t> ops;
    if (bytes == 1) {
      for (uint32_t i = 0; i < 256; ++i) ops.push_back(i);  // 8-bit: exhaustive
    } else {
      ops = operands(bytes, 40);
    }
    for (uint32_t fin : kFlagInputs)
      for (uint32_t d : ops)
        for (uint32_t s : ops) {
          const HostOut out = host.at(bytes)(d, s, fin);
          if (!check(what, bytes, d, s, fin, out, make(bytes, d, s, fin, out)) && ++failures > 10)
            return;
        }
  }
}

TEST(LazyFlags, AddAdcSubSbbCmp) {
  run_binary("add", SIZED(host_add), [](unsigned b, uint32_t, uint32_t s, uint32_t, auto& o) {
    return lazy(CcKind::Add, b, o.result, s);
  });
  run_binary("adc", SIZED(host_adc), [](unsigned b, uint32_t, uint32_t s, uint32_t fin, auto& o) {
    return lazy(CcKind::Adc, b, o.result, s, fin & kCF);
  });
  run_binary("sub", SIZED(host_sub), [](unsigned b, uint32_t, uint32_t s, uint32_t, auto& o) {
    return lazy(CcKind::Sub, b, o.result, s);
  });
  run_binary("sbb", SIZED(host_sbb), [](unsigned b, uint32_t, uint32_t s, uint32_t fin, auto& o) {
    return lazy(CcKind::Sbb, b, o.result, s, fin & kCF);
  });
  run_binary("cmp", SIZED(host_cmp), [](unsigned b, uint32_t d, uint32_t s, uint32_t, auto&) {
    return lazy(CcKind::Sub, b, d - s, s);
  });
}

TEST(LazyFlags, Logic) {
  auto logic = [](unsigned b, uint32_t, uint32_t, uint32_t, const HostOut& o) {
    return lazy(CcKind::Logic, b, o.result, 0);
  };
  run_binary("and", SIZED(host_and), logic);
  run_binary("or", SIZED(host_or), logic);
  run_binary("xor", SIZED(host_xor), logic);
  run_binary("test", SIZED(host_test), [](unsigned b, uint32_t d, uint32_t s, uint32_t, auto&) {
    return lazy(CcKind::Logic, b, d & s, 0);
  });
}

TEST(LazyFlags, IncDecNeg) {
  run_binary("inc", SIZED(host_inc), [](unsigned b, uint32_t, uint32_t, uint32_t fin, auto& o) {
    return lazy(CcKind::Inc, b, o.result, 0, fin & kCF);
  });
  run_binary("dec", SIZED(host_dec), [](unsigned b, uint32_t, uint32_t, uint32_t fin, auto& o) {
    return lazy(CcKind::Dec, b, o.result, 0, fin & kCF);
  });
  run_binary("neg", SIZED(host_neg), [](unsigned b, uint32_t, uint32_t, uint32_t, auto& o) {
    return lazy(CcKind::Neg, b, o.result, 0);
  });
}

// Shifts and rotates over every count 0..31 (the CPU masks CL to 5 bits).
void run_shift(
    const char* what, Sized host,
    std::function<LazyFlags(unsigned, uint32_t d, uint32_t c, uint32_t fin, const HostOut&)> make) {
  int failures = 0;
  for (unsigned bytes : {1u, 2u, 4u}) {
    for (uint32_t fin : kFlagInputs)
      for (uint32_t d : operands(bytes, 60))
        for (uint32_t c = 0; c < 32; ++c) {
          const HostOut out = host.at(bytes)(d, c, fin);
          // Count 0: flags unchanged, and the translator sets no cc.
          const LazyFlags cc =
              c == 0 ? LazyFlags{static_cast<uint32_t>(CcOp::Eflags), 0, fin & kArithFlags, 0}
                     : make(bytes, d, c, fin, out);
          if (!check(what, bytes, d, c, fin, out, cc) && ++failures > 10) return;
        }
  }
}

TEST(LazyFlags, Shifts) {
  auto shift = [](CcKind k) {
    return [k](unsigned b, uint32_t d, uint32_t c, uint32_t, const HostOut& o) {
      return lazy(k, b, o.result, d, c);
    };
  };
  run_shift("shl", SIZED(host_shl), shift(CcKind::Shl));
  run_shift("shr", SIZED(host_shr), shift(CcKind::Shr));
  run_shift("sar", SIZED(host_sar), shift(CcKind::Sar));
}

TEST(LazyFlags, Rotates) {
  auto rot = [](CcKind k) {
    return [k](unsigned b, uint32_t, uint32_t c, uint32_t fin, const HostOut& o) {
      return lazy(k, b, o.result, fin & kArithFlags, c);
    };
  };
  run_shift("rol", SIZED(host_rol), rot(CcKind::Rol));
  run_shift("ror", SIZED(host_ror), rot(CcKind::Ror));
  // RCL/RCR: the translator computes the new CF while rotating through it.
  auto rc = [](CcKind k) {
    return [k](unsigned b, uint32_t d, uint32_t c, uint32_t fin, const HostOut& o) {
      const unsigned n = b * 8;
      const unsigned cnt = c % (n + 1);
      uint64_t v = (uint64_t{fin & kCF} << n) | d;  // n+1 bits: CF above the value
      const uint64_t m = (uint64_t{1} << (n + 1)) - 1;
      if (cnt) {
        v = k == CcKind::Rcl ? ((v << cnt) | (v >> (n + 1 - cnt))) & m
                             : ((v >> cnt) | (v << (n + 1 - cnt))) & m;
      }
      const uint32_t new_cf = (v >> n) & 1;
      EXPECT_EQ(o.result, uint32_t(v & size_mask(b))) << "reference rotate";
      return lazy(k, b, o.result, (fin & kArithFlags & ~kCF) | new_cf, c);
    };
  };
  run_shift("rcl", SIZED(host_rcl), rc(CcKind::Rcl));
  run_shift("rcr", SIZED(host_rcr), rc(CcKind::Rcr));
}

TEST(LazyFlags, ShldShrd) {
  int failures = 0;
  for (unsigned bytes : {2u, 4u})
    for (uint32_t fin : kFlagInputs)
      for (uint32_t d : operands(bytes, 24))
        for (uint32_t s : operands(bytes, 6))
          for (uint32_t c = 1; c < 32; ++c) {
            // 16-bit counts above 16 (SDM: undefined) are included: this
            // host then rotates the source by count - 16, CF = 0.
            for (bool left : {true, false}) {
              const HostOut o = left ? (bytes == 2 ? host_shld16 : host_shld32)(d, s, c, fin)
                                     : (bytes == 2 ? host_shrd16 : host_shrd32)(d, s, c, fin);
              const auto cc = lazy(left ? CcKind::Shld : CcKind::Shrd, bytes, o.result, d, c);
              if (!check(left ? "shld" : "shrd", bytes, d, s, fin, o, cc) && ++failures > 10)
                return;
            }
          }
}

TEST(LazyFlags, MulImul) {
  run_binary("mul", SIZED(host_mul), [](unsigned b, uint32_t, uint32_t, uint32_t fin, auto& o) {
    return lazy(CcKind::Mul, b, o.result, o.hi, fin);
  });
  run_binary("imul", SIZED(host_imul1), [](unsigned b, uint32_t, uint32_t, uint32_t fin, auto& o) {
    return lazy(CcKind::Imul, b, o.result, o.hi, fin);
  });
  run_binary(
      "imul2", Sized{nullptr, host_imul2_16, host_imul2_32},
      [](unsigned b, uint32_t d, uint32_t s, uint32_t fin, auto& o) {
        const unsigned n = b * 8;
        const int64_t full = int64_t(int32_t(sign_extend(d, n))) * int32_t(sign_extend(s, n));
        return lazy(CcKind::Imul, b, o.result, uint32_t(uint64_t(full) >> n) & size_mask(b), fin);
      },
      2);
}

TEST(LazyFlags, BsfBsrBt) {
  auto bsf = [](unsigned b, uint32_t, uint32_t s, uint32_t, const HostOut& o) {
    return lazy(CcKind::Bsf, b, o.result, s);
  };
  run_binary("bsf", Sized{nullptr, host_bsf16, host_bsf32}, bsf, 2);
  run_binary("bsr", Sized{nullptr, host_bsr16, host_bsr32}, bsf, 2);
  auto bt = [](unsigned b, uint32_t d, uint32_t s, uint32_t fin, const HostOut&) {
    return lazy(CcKind::Bt, b, (d >> (s & (b * 8 - 1))) & 1, fin);
  };
  run_binary("bt", Sized{nullptr, host_bt16, host_bt32}, bt, 2);
  run_binary("bts", Sized{nullptr, host_bts16, host_bts32}, bt, 2);
  run_binary("btr", Sized{nullptr, host_btr16, host_btr32}, bt, 2);
  run_binary("btc", Sized{nullptr, host_btc16, host_btc32}, bt, 2);
}

// DIV/IDIV with operands that do not raise #DE: d = dividend (low part;
// the high part is kept small), s = divisor.
HostOut host_div(bool is_signed, unsigned bytes, uint32_t d, uint32_t s, uint32_t fin) {
  uint64_t f;
  uint32_t a = d, dx = 0;
  s |= 1;
  if (bytes == 1) {
    a = d & 0xff;  // AH = 0: the quotient fits for s >= 1 unsigned; signed needs |q| < 128
    if (is_signed) {
      s = (s & 0x7f) | 2;
      asm volatile(FLAGS_IN "idivb %b[s]" FLAGS_OUT
                   : "+a"(a), [fo] "=&r"(f)
                   : [s] "q"(s), [fi] "r"(uint64_t{fin})
                   : "cc");
    } else {
      asm volatile(FLAGS_IN "divb %b[s]" FLAGS_OUT
                   : "+a"(a), [fo] "=&r"(f)
                   : [s] "q"(s), [fi] "r"(uint64_t{fin})
                   : "cc");
    }
  } else if (bytes == 2) {
    a = d & 0x7fff;
    if (is_signed) {
      asm volatile(FLAGS_IN "idivw %w[s]" FLAGS_OUT
                   : "+a"(a), "+d"(dx), [fo] "=&r"(f)
                   : [s] "r"(s | 2), [fi] "r"(uint64_t{fin})
                   : "cc");
    } else {
      asm volatile(FLAGS_IN "divw %w[s]" FLAGS_OUT
                   : "+a"(a), "+d"(dx), [fo] "=&r"(f)
                   : [s] "r"(s), [fi] "r"(uint64_t{fin})
                   : "cc");
    }
  } else {
    a = d & 0x7fffffff;
    if (is_signed) {
      asm volatile(FLAGS_IN "idivl %k[s]" FLAGS_OUT
                   : "+a"(a), "+d"(dx), [fo] "=&r"(f)
                   : [s] "r"(s | 2), [fi] "r"(uint64_t{fin})
                   : "cc");
    } else {
      asm volatile(FLAGS_IN "divl %k[s]" FLAGS_OUT
                   : "+a"(a), "+d"(dx), [fo] "=&r"(f)
                   : [s] "r"(s), [fi] "r"(uint64_t{fin})
                   : "cc");
    }
  }
  return {a, dx, uint32_t(f)};
}

TEST(LazyFlags, DivIdiv) {
  int failures = 0;
  for (bool is_signed : {false, true})
    for (unsigned bytes : {1u, 2u, 4u})
      for (uint32_t fin : {0x2u, 0x2u | kArithFlags, 0x2u | kCF, 0x2u | kOF, 0x2u | kZF | kSF})
        for (uint32_t d : operands(bytes, 20))
          for (uint32_t s : operands(bytes, 5)) {
            const HostOut o = host_div(is_signed, bytes, d, s, fin);
            if (!check(is_signed ? "idiv" : "div", bytes, d, s, fin, o,
                       lazy(CcKind::Div, bytes, 0, fin & kArithFlags)) &&
                ++failures > 10)
              return;
          }
}

TEST(LazyFlags, EflagsRoundTrip) {
  CpuState s;
  write_eflags(s, 0xffffffff);
  EXPECT_EQ(s.eflags & kArithFlags, 0u);
  EXPECT_EQ(read_eflags(s), 0xffffffffu);
  write_eflags(s, 0);
  EXPECT_EQ(read_eflags(s), 0x2u);
  write_eflags(s, kDF | kZF | kCF);
  EXPECT_EQ(read_eflags(s), 0x2u | kDF | kZF | kCF);
  EXPECT_TRUE(eval_cond(s.cc, kCondZ));
  EXPECT_TRUE(eval_cond(s.cc, kCondBE));
  EXPECT_FALSE(eval_cond(s.cc, kCondS));
}

TEST(LazyFlags, Names) {
  EXPECT_STREQ(cc_op_name(CcOp::Add32), "Add32");
  EXPECT_STREQ(cc_op_name(CcOp::Bt8), "Bt8");
  EXPECT_STREQ(cc_op_name(CcOp::Eflags), "Eflags");
  EXPECT_EQ(cc_op(CcKind::Shl, 2), CcOp::Shl16);
  EXPECT_EQ(cc_size(CcOp::Sar8), 1u);
  EXPECT_EQ(cc_kind(CcOp::Imul32), CcKind::Imul);
}

}  // namespace
}  // namespace dynemu::x86
