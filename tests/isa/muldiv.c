/* MUL, IMUL (one-, two- and three-operand forms, imm8 and imm32), DIV and
 * IDIV at 8/16/32 bits. Divisions that would raise #DE are skipped here (the
 * signals test raises one on purpose). All flags compared: the host CPU
 * decides the undefined ones. */
#include "isa.h"

/* One-operand forms: EDX:EAX (or AX) = EAX * src. Returns EAX, *hi = EDX. */
#define DEF_M1(fn, insn)                                                             \
  static uint32_t fn(uint32_t a, uint32_t b, uint32_t d, uint32_t fin, uint32_t* hi, \
                     uint32_t* fout) {                                               \
    uint32_t f;                                                                      \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]"          \
                     : "+a"(a), "+d"(d), [fo] "=&r"(f)                               \
                     : [b] "b"(b), [fi] "r"(fin)                                     \
                     : "cc");                                                        \
    *fout = f;                                                                       \
    *hi = d;                                                                         \
    return a;                                                                        \
  }
DEF_M1(mul8, "mulb %b[b]")
DEF_M1(mul16, "mulw %w[b]")
DEF_M1(mul32, "mull %[b]")
DEF_M1(imul8, "imulb %b[b]")
DEF_M1(imul16, "imulw %w[b]")
DEF_M1(imul32, "imull %[b]")
DEF_M1(div8, "divb %b[b]")
DEF_M1(div16, "divw %w[b]")
DEF_M1(div32, "divl %[b]")
DEF_M1(idiv8, "idivb %b[b]")
DEF_M1(idiv16, "idivw %w[b]")
DEF_M1(idiv32, "idivl %[b]")
/* Memory operand forms for a few. */
#define DEF_M1M(fn, insn)                                                            \
  static uint32_t fn(uint32_t a, uint32_t b, uint32_t d, uint32_t fin, uint32_t* hi, \
                     uint32_t* fout) {                                               \
    uint32_t f;                                                                      \
    volatile uint32_t m = b;                                                         \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]"          \
                     : "+a"(a), "+d"(d), [fo] "=&r"(f)                               \
                     : [m] "m"(m), [fi] "r"(fin)                                     \
                     : "cc");                                                        \
    *fout = f;                                                                       \
    *hi = d;                                                                         \
    return a;                                                                        \
  }
DEF_M1M(mulm32, "mull %[m]")
DEF_M1M(imulm16, "imulw %[m]")
DEF_M1M(divm32, "divl %[m]")
DEF_M1M(idivm8, "idivb %[m]")

typedef uint32_t (*m1_fn)(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t*, uint32_t*);

/* Two- and three-operand IMUL: the result is truncated, CF=OF=overflow. */
#define DEF_I2(fn, insn)                                                     \
  static uint32_t fn(uint32_t a, uint32_t b, uint32_t fin, uint32_t* fout) { \
    uint32_t f;                                                              \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]"  \
                     : [a] "+r"(a), [fo] "=&r"(f)                            \
                     : [b] "r"(b), [fi] "r"(fin)                             \
                     : "cc");                                                \
    *fout = f;                                                               \
    return a;                                                                \
  }
DEF_I2(imul2_16, "imulw %w[b], %w[a]")
DEF_I2(imul2_32, "imull %[b], %[a]")
DEF_I2(imul3_32i8, "imull $-7, %[b], %[a]")
DEF_I2(imul3_32i32, "imull $0x10001, %[b], %[a]")
DEF_I2(imul3_16i8, "imulw $100, %w[b], %w[a]")
DEF_I2(imul3_16i16, "imulw $-1000, %w[b], %w[a]")
typedef uint32_t (*i2_fn)(uint32_t, uint32_t, uint32_t, uint32_t*);

static const uint32_t vals[] = {0x00000000u, 0x00000001u, 0x00000002u, 0x0000007fu, 0x00000080u,
                                0x000000ffu, 0x00007fffu, 0x00008000u, 0x0000ffffu, 0x7fffffffu,
                                0x80000000u, 0xffffffffu, 0xfffffffeu, 0x9e3779b9u, 0x00c0ffeeu};

/* Whether DIV/IDIV of (hi:lo) by d at `bits` would fault (#DE). */
static int div_faults(int is_signed, unsigned bits, uint32_t hi, uint32_t lo, uint32_t d) {
  uint32_t mask = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
  d &= mask;
  if (d == 0) return 1;
  if (!is_signed) {
    uint64_t n = bits == 8    ? (lo & 0xffff)
                 : bits == 16 ? ((hi & 0xffff) << 16 | (lo & 0xffff))
                              : ((uint64_t)hi << 32 | lo);
    return n / d > mask;
  }
  int64_t n, sd;
  if (bits == 8) {
    n = (int16_t)lo;
    sd = (int8_t)d;
  } else if (bits == 16) {
    n = (int32_t)((hi & 0xffff) << 16 | (lo & 0xffff));
    sd = (int16_t)d;
  } else {
    n = (int64_t)((uint64_t)hi << 32 | lo);
    sd = (int32_t)d;
  }
  if (n == INT64_MIN && sd == -1) return 1;
  int64_t q = n / sd;
  int64_t lim = (int64_t)1 << (bits - 1);
  return q >= lim || q < -lim;
}

int main(void) {
  static const struct {
    const char* name;
    m1_fn fn;
    int div, is_signed;
    unsigned bits;
  } m1[] = {
      {"mul8", mul8, 0, 0, 8},      {"mul16", mul16, 0, 0, 16},     {"mul32", mul32, 0, 0, 32},
      {"imul8", imul8, 0, 1, 8},    {"imul16", imul16, 0, 1, 16},   {"imul32", imul32, 0, 1, 32},
      {"mulm32", mulm32, 0, 0, 32}, {"imulm16", imulm16, 0, 1, 16}, {"div8", div8, 1, 0, 8},
      {"div16", div16, 1, 0, 16},   {"div32", div32, 1, 0, 32},     {"idiv8", idiv8, 1, 1, 8},
      {"idiv16", idiv16, 1, 1, 16}, {"idiv32", idiv32, 1, 1, 32},   {"divm32", divm32, 1, 0, 32},
      {"idivm8", idivm8, 1, 1, 8}};
  static const uint32_t fins[] = {FL_IN_CLEAR, FL_IN_SET};
  static const uint32_t his[] = {0x00000000u, 0x00000001u, 0xffffffffu, 0x80000000u, 0x00001234u};
  for (unsigned o = 0; o < ARRAY_LEN(m1); o++)
    for (unsigned i = 0; i < ARRAY_LEN(vals); i++)
      for (unsigned j = 0; j < ARRAY_LEN(vals); j++)
        for (unsigned h = 0; h < (m1[o].div ? ARRAY_LEN(his) : 1); h++)
          for (unsigned k = 0; k < 2; k++) {
            uint32_t a = vals[i], b = vals[j], d = m1[o].div ? his[h] : 0x5a5a5a5au;
            if (m1[o].div && div_faults(m1[o].is_signed, m1[o].bits, d, a, b)) continue;
            uint32_t hi, f, lo = m1[o].fn(a, b, d, fins[k], &hi, &f);
            printf("%s %08x:%08x %08x f%03x -> %08x:%08x f%03x\n", m1[o].name, d, a, b,
                   fins[k] & FL_ARITH, hi, lo, f & FL_ARITH);
          }
  static const struct {
    const char* name;
    i2_fn fn;
  } i2[] = {{"imul2_16", imul2_16},       {"imul2_32", imul2_32},
            {"imul3_32$-7", imul3_32i8},  {"imul3_32$0x10001", imul3_32i32},
            {"imul3_16$100", imul3_16i8}, {"imul3_16$-1000", imul3_16i16}};
  for (unsigned o = 0; o < ARRAY_LEN(i2); o++)
    for (unsigned i = 0; i < ARRAY_LEN(vals); i++)
      for (unsigned j = 0; j < ARRAY_LEN(vals); j++)
        for (unsigned k = 0; k < 2; k++) {
          uint32_t f, r = i2[o].fn(vals[i], vals[j], fins[k], &f);
          printf("%s %08x %08x f%03x -> %08x f%03x\n", i2[o].name, vals[i], vals[j],
                 fins[k] & FL_ARITH, r, f & FL_ARITH);
        }
  /* Random 32-bit products and quotients. */
  for (int n = 0; n < 300; n++) {
    uint32_t a = isa_rand(), b = isa_rand(), hi, f, lo;
    lo = mul32(a, b, 0, FL_IN_CLEAR, &hi, &f);
    printf("rnd mul32 %08x %08x -> %08x:%08x f%03x\n", a, b, hi, lo, f & FL_ARITH);
    lo = imul32(a, b, 0, FL_IN_CLEAR, &hi, &f);
    printf("rnd imul32 %08x %08x -> %08x:%08x f%03x\n", a, b, hi, lo, f & FL_ARITH);
    uint32_t h = a >> (n % 32), d = b | 1;
    if (!div_faults(0, 32, h, a, d)) {
      lo = div32(a, d, h, FL_IN_CLEAR, &hi, &f);
      printf("rnd div32 %08x:%08x %08x -> %08x:%08x f%03x\n", h, a, d, hi, lo, f & FL_ARITH);
    }
    uint32_t sh = (int32_t)a >> (31 - n % 8);
    if (!div_faults(1, 32, sh, a, d)) {
      lo = idiv32(a, d, sh, FL_IN_CLEAR, &hi, &f);
      printf("rnd idiv32 %08x:%08x %08x -> %08x:%08x f%03x\n", sh, a, d, hi, lo, f & FL_ARITH);
    }
  }
  return 0;
}
