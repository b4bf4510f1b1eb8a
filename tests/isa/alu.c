/* ADD ADC SUB SBB AND OR XOR CMP TEST INC DEC NEG NOT at 8/16/32 bits over
 * edge values, with all arithmetic flags clear and set on input (so CF-in for
 * ADC/SBB and flag preservation for INC/DEC are covered). Register, memory
 * destination and immediate forms. Prints result register and EFLAGS (pushf). */
#include "isa.h"

typedef uint32_t (*binop_fn)(uint32_t a, uint32_t b, uint32_t fin, uint32_t* fout);
typedef uint32_t (*unop_fn)(uint32_t a, uint32_t fin, uint32_t* fout);

#define DEF_BIN(fn, insn)                                                    \
  static uint32_t fn(uint32_t a, uint32_t b, uint32_t fin, uint32_t* fout) { \
    uint32_t f;                                                              \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]"  \
                     : [a] "+q"(a), [fo] "=&r"(f)                            \
                     : [b] "q"(b), [fi] "r"(fin)                             \
                     : "cc");                                                \
    *fout = f;                                                               \
    return a;                                                                \
  }
/* Memory destination: op reg, mem. */
#define DEF_BINM(fn, insn)                                                   \
  static uint32_t fn(uint32_t a, uint32_t b, uint32_t fin, uint32_t* fout) { \
    uint32_t f;                                                              \
    volatile uint32_t m = a;                                                 \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]"  \
                     : [m] "+m"(m), [fo] "=&r"(f)                            \
                     : [b] "q"(b), [fi] "r"(fin)                             \
                     : "cc");                                                \
    *fout = f;                                                               \
    return m;                                                                \
  }
#define DEF_UN(fn, insn)                                                    \
  static uint32_t fn(uint32_t a, uint32_t fin, uint32_t* fout) {            \
    uint32_t f;                                                             \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]" \
                     : [a] "+q"(a), [fo] "=&r"(f)                           \
                     : [fi] "r"(fin)                                        \
                     : "cc");                                               \
    *fout = f;                                                              \
    return a;                                                               \
  }

#define DEF_BIN3(op)                     \
  DEF_BIN(op##8, #op "b %b[b], %b[a]")   \
  DEF_BIN(op##16, #op "w %w[b], %w[a]")  \
  DEF_BIN(op##32, #op "l %[b], %[a]")    \
  DEF_BINM(op##m8, #op "b %b[b], %[m]")  \
  DEF_BINM(op##m16, #op "w %w[b], %[m]") \
  DEF_BINM(op##m32, #op "l %[b], %[m]")
#define DEF_UN3(op)             \
  DEF_UN(op##8, #op "b %b[a]")  \
  DEF_UN(op##16, #op "w %w[a]") \
  DEF_UN(op##32, #op "l %[a]")

#define BINOPS(X) X(add) X(adc) X(sub) X(sbb) X(and) X(or) X(xor) X(cmp) X(test)
#define UNOPS(X) X(inc) X(dec) X(neg) X(not )

BINOPS(DEF_BIN3)
UNOPS(DEF_UN3)

static const struct {
  const char* name;
  binop_fn fn[6];
} binops[] = {
#define ROW(op) {#op, {op##8, op##16, op##32, op##m8, op##m16, op##m32}},
    BINOPS(ROW)
#undef ROW
};
static const struct {
  const char* name;
  unop_fn fn[3];
} unops[] = {
#define ROW(op) {#op, {op##8, op##16, op##32}},
    UNOPS(ROW)
#undef ROW
};

/* Immediate forms: 0x83 (imm8 sign-extended), 0x81 (imm32/16), 0x80 (imm8)
 * and the short accumulator forms (04, 05, ...), which gas picks for %al/%eax. */
#define DEF_IMM(fn, insn, cons)                                             \
  static uint32_t fn(uint32_t a, uint32_t fin, uint32_t* fout) {            \
    uint32_t f;                                                             \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]" \
                     : [a] cons(a), [fo] "=&r"(f)                           \
                     : [fi] "r"(fin)                                        \
                     : "cc");                                               \
    *fout = f;                                                              \
    return a;                                                               \
  }
#define DEF_IMM_OP(op)                                \
  DEF_IMM(op##_i8s, #op "l $-3, %[a]", "+b")          \
  DEF_IMM(op##_i32, #op "l $0x12345680, %[a]", "+b")  \
  DEF_IMM(op##_ax32, #op "l $0x7fffffff, %[a]", "+a") \
  DEF_IMM(op##_ax16, #op "w $0x8001, %w[a]", "+a")    \
  DEF_IMM(op##_al, #op "b $0x81, %b[a]", "+a")        \
  DEF_IMM(op##_r8, #op "b $0x7f, %b[a]", "+b")        \
  DEF_IMM(op##_r16s, #op "w $-128, %w[a]", "+b")
BINOPS(DEF_IMM_OP)
static const struct {
  const char* name;
  unop_fn fn[7];
} immops[] = {
#define ROW(op) {#op, {op##_i8s, op##_i32, op##_ax32, op##_ax16, op##_al, op##_r8, op##_r16s}},
    BINOPS(ROW)
#undef ROW
};
static const char* const imm_form[] = {"l$-3",    "l$0x12345680", "eax$0x7fffffff", "ax$0x8001",
                                       "al$0x81", "bl$0x7f",      "bx$-128"};

int main(void) {
  static const char* const size_name[] = {"8", "16", "32", "m8", "m16", "m32"};
  static const uint32_t fins[] = {FL_IN_CLEAR, FL_IN_SET};
  for (unsigned o = 0; o < ARRAY_LEN(binops); o++)
    for (unsigned s = 0; s < 6; s++)
      for (unsigned i = 0; i < ISA_NEDGES; i++)
        for (unsigned j = 0; j < ISA_NEDGES; j++)
          for (unsigned k = 0; k < 2; k++) {
            /* Memory forms use fewer values: they exercise the addressing. */
            if (s >= 3 && (i % 3 || j % 2)) continue;
            uint32_t f;
            uint32_t a = isa_edges[i], b = isa_edges[j];
            uint32_t r = binops[o].fn[s](a, b, fins[k], &f);
            printf("%s%s %08x %08x f%03x -> %08x f%03x\n", binops[o].name, size_name[s], a, b,
                   fins[k] & FL_ARITH, r, f & FL_ARITH);
          }
  for (unsigned o = 0; o < ARRAY_LEN(unops); o++)
    for (unsigned s = 0; s < 3; s++)
      for (unsigned i = 0; i < ISA_NEDGES; i++)
        for (unsigned k = 0; k < 2; k++) {
          uint32_t f;
          uint32_t r = unops[o].fn[s](isa_edges[i], fins[k], &f);
          printf("%s%s %08x f%03x -> %08x f%03x\n", unops[o].name, size_name[s], isa_edges[i],
                 fins[k] & FL_ARITH, r, f & FL_ARITH);
        }
  for (unsigned o = 0; o < ARRAY_LEN(immops); o++)
    for (unsigned s = 0; s < ARRAY_LEN(imm_form); s++)
      for (unsigned i = 0; i < ISA_NEDGES; i++)
        for (unsigned k = 0; k < 2; k++) {
          uint32_t f;
          uint32_t r = immops[o].fn[s](isa_edges[i], fins[k], &f);
          printf("%s %s %08x f%03x -> %08x f%03x\n", immops[o].name, imm_form[s], isa_edges[i],
                 fins[k] & FL_ARITH, r, f & FL_ARITH);
        }
  /* Random pairs through the 32-bit register forms. */
  for (int n = 0; n < 200; n++) {
    uint32_t a = isa_rand(), b = isa_rand(), f;
    for (unsigned o = 0; o < ARRAY_LEN(binops); o++) {
      uint32_t r = binops[o].fn[n % 3](a, b, n & 1 ? FL_IN_SET : FL_IN_CLEAR, &f);
      printf("rnd %s%s %08x %08x -> %08x f%03x\n", binops[o].name, size_name[n % 3], a, b, r,
             f & FL_ARITH);
    }
  }
  return 0;
}
