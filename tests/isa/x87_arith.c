/* x87 arithmetic in all four rounding modes and three precision-control
 * settings: FADD FSUB FSUBR FMUL FDIV FDIVR (register and m32/m64/m16int/
 * m32int operands), FSQRT, FRNDINT, FSCALE, FXTRACT, FABS, FCHS, FPREM,
 * FPREM1, the constants (which also round per RC). Results as exact 80-bit
 * bits, with the status word's exception flags and C1 (rounded up). */
#include "x87.h"

/* st0 = a, st1 = b; op; result and status word out; stack left empty. */
#define DEF_BIN(fn, insn)                                                                \
  static long double fn(long double a, long double b, uint16_t cw, uint16_t* sw) {       \
    long double r;                                                                       \
    uint16_t s;                                                                          \
    __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\t" insn          \
                     "\n\tfnstsw %[s]\n\tfstpt %[r]\n\tfstp %%st(0)\n\tfldcw %[dcw]"     \
                     : [r] "=m"(r), [s] "=m"(s)                                          \
                     : [a] "m"(a), [b] "m"(b), [cw] "m"(cw), [dcw] "m"(x87_default_cw)); \
    *sw = s;                                                                             \
    return r;                                                                            \
  }
static const uint16_t x87_default_cw = 0x037f;
DEF_BIN(op_add, "fadd %%st(1), %%st")
DEF_BIN(op_sub, "fsub %%st(1), %%st")
DEF_BIN(op_subr, "fsubr %%st(1), %%st")
DEF_BIN(op_mul, "fmul %%st(1), %%st")
DEF_BIN(op_div, "fdiv %%st(1), %%st")
DEF_BIN(op_divr, "fdivr %%st(1), %%st")
/* Destination st(1) forms (DC /r), result read back from st(1). */
DEF_BIN(op_add_st1, "fadd %%st, %%st(1)\n\tfxch")
DEF_BIN(op_div_st1, "fdiv %%st, %%st(1)\n\tfxch")
DEF_BIN(op_scale, "fscale")
DEF_BIN(op_prem, "fprem")
DEF_BIN(op_prem1, "fprem1")
/* Unary on st0 (b ignored but loaded). */
DEF_BIN(op_sqrt, "fsqrt")
DEF_BIN(op_rndint, "frndint")
DEF_BIN(op_abs, "fabs")
DEF_BIN(op_chs, "fchs")
DEF_BIN(op_xtract_sig, "fxtract\n\tfstp %%st(2)") /* keep significand in st0 */
DEF_BIN(op_xtract_exp, "fxtract\n\tfstp %%st(0)") /* exponent */

typedef long double (*bin_fn)(long double, long double, uint16_t, uint16_t*);

/* Memory operand forms: st0 = a op m. */
#define DEF_MEM(fn, type, insn)                                                          \
  static long double fn(long double a, type m, uint16_t cw, uint16_t* sw) {              \
    long double r;                                                                       \
    uint16_t s;                                                                          \
    __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\t" insn                       \
                     " %[m]\n\tfnstsw %[s]\n\t"                                          \
                     "fstpt %[r]\n\tfldcw %[dcw]"                                        \
                     : [r] "=m"(r), [s] "=m"(s)                                          \
                     : [a] "m"(a), [m] "m"(m), [cw] "m"(cw), [dcw] "m"(x87_default_cw)); \
    *sw = s;                                                                             \
    return r;                                                                            \
  }
DEF_MEM(mem_adds, float, "fadds")
DEF_MEM(mem_muld, double, "fmull")
DEF_MEM(mem_subrd, double, "fsubrl")
DEF_MEM(mem_divs, float, "fdivs")
DEF_MEM(mem_iaddw, int16_t, "fiadds")
DEF_MEM(mem_imull, int32_t, "fimull")
DEF_MEM(mem_idivrl, int32_t, "fidivrl")
DEF_MEM(mem_isubw, int16_t, "fisubs")

static void show(const char* name, unsigned i, unsigned j, unsigned rc, unsigned pc, long double r,
                 uint16_t sw) {
  printf("%s %u,%u %s pc%u ->", name, i, j, x87_rc_name[rc], pc);
  x87_print(" ", r);
  /* Exception flags (IE DE ZE OE UE PE), SF and C1; the rest of the status
   * word (TOP, C0/C2/C3 after arithmetic) is checked elsewhere. */
  printf(" sw%04x\n", sw & 0x027f);
}

int main(void) {
  static const struct {
    const char* name;
    bin_fn fn;
  } bins[] = {{"fadd", op_add},         {"fsub", op_sub},        {"fsubr", op_subr},
              {"fmul", op_mul},         {"fdiv", op_div},        {"fdivr", op_divr},
              {"fadd_st1", op_add_st1}, {"fdiv_st1", op_div_st1}};
  static const unsigned pcs[] = {3, 2, 0};
  for (unsigned o = 0; o < ARRAY_LEN(bins); o++)
    for (unsigned p = 0; p < 3; p++)
      for (unsigned rc = 0; rc < 4; rc++) {
        /* Lower precisions in two rounding modes only: enough to see PC. */
        if (p && rc != 0 && rc != 2) continue;
        if (o >= 6 && p) continue;
        for (unsigned i = 0; i < X87_NINPUTS; i++)
          for (unsigned j = 0; j < X87_NINPUTS; j++) {
            uint16_t sw;
            long double r = bins[o].fn(x87_input(i), x87_input(j), x87_cw(rc, pcs[p]), &sw);
            show(bins[o].name, i, j, rc, pcs[p], r, sw);
          }
      }
  static const struct {
    const char* name;
    bin_fn fn;
  } others[] = {{"fscale", op_scale}, {"fprem", op_prem}, {"fprem1", op_prem1}};
  for (unsigned o = 0; o < ARRAY_LEN(others); o++)
    for (unsigned rc = 0; rc < 4; rc += 3)
      for (unsigned i = 0; i < X87_NINPUTS; i++)
        for (unsigned j = 0; j < X87_NINPUTS; j++) {
          uint16_t sw;
          long double r = others[o].fn(x87_input(i), x87_input(j), x87_cw(rc, 3), &sw);
          /* FPREM: C2 (incomplete) and C0 C3 C1 (quotient bits) matter. */
          printf("%s %u,%u %s ->", others[o].name, i, j, x87_rc_name[rc]);
          x87_print(" ", r);
          printf(" sw%04x\n", sw & 0x477f);
        }
  /* FSCALE and FPREM with larger exponent distances. */
  static const long double scales[] = {-70000.0L, -16400.0L, -64.5L,   -1.0L,
                                       0.5L,      7.9L,      16383.0L, 20000.0L};
  for (unsigned i = 0; i < X87_NINPUTS; i++)
    for (unsigned j = 0; j < ARRAY_LEN(scales); j++) {
      uint16_t sw;
      long double r = op_scale(x87_input(i), scales[j], x87_cw(0, 3), &sw);
      printf("fscale %u by %u ->", i, j);
      x87_print(" ", r);
      printf(" sw%04x\n", sw & 0x027f);
    }
  static const long double big[] = {1e30L, 1e300L, 1e4000L, 123456789.0L};
  static const long double divs[] = {3.0L, 0.7L, 1e-5L, 6.283185307179586L};
  for (unsigned i = 0; i < ARRAY_LEN(big); i++)
    for (unsigned j = 0; j < ARRAY_LEN(divs); j++) {
      uint16_t sw;
      long double r = big[i];
      int steps = 0;
      do { /* partial remainders until complete (C2 clear) */
        r = op_prem(r, divs[j], x87_cw(0, 3), &sw);
        steps++;
      } while ((sw & 0x400) && steps < 1000);
      printf("fprem loop %u %% %u: steps %d ->", i, j, steps);
      x87_print(" ", r);
      printf(" sw%04x\n", sw & 0x477f);
    }
  static const struct {
    const char* name;
    bin_fn fn;
  } unary[] = {{"fsqrt", op_sqrt}, {"frndint", op_rndint},         {"fabs", op_abs},
               {"fchs", op_chs},   {"fxtract.sig", op_xtract_sig}, {"fxtract.exp", op_xtract_exp}};
  for (unsigned o = 0; o < ARRAY_LEN(unary); o++)
    for (unsigned p = 0; p < 3; p++)
      for (unsigned rc = 0; rc < 4; rc++) {
        if (o >= 2 && (rc || p)) continue;
        for (unsigned i = 0; i < X87_NINPUTS; i++) {
          uint16_t sw;
          long double r = unary[o].fn(x87_input(i), 0.0L, x87_cw(rc, pcs[p]), &sw);
          show(unary[o].name, i, 0, rc, pcs[p], r, sw);
        }
      }
  /* frndint on halves and near-integers. */
  static const long double halves[] = {
      0.5L, 1.5L, 2.5L, -0.5L, -1.5L, -2.5L, 0.49999L, 1e18L + 0.5L, 4503599627370497.5L};
  for (unsigned rc = 0; rc < 4; rc++)
    for (unsigned i = 0; i < ARRAY_LEN(halves); i++) {
      uint16_t sw;
      long double r = op_rndint(halves[i], 0.0L, x87_cw(rc, 3), &sw);
      printf("frndint h%u %s ->", i, x87_rc_name[rc]);
      x87_print(" ", r);
      printf(" sw%04x\n", sw & 0x027f);
    }
  static const struct {
    const char* name;
    bin_fn fn;
  } mems[] = {{"fadds", (bin_fn)0}, {0, 0}};
  (void)mems;
  static const float fm[] = {0.1f, -3.5f, 1e30f, 1e-40f};
  static const double dm[] = {0.1, -3.5, 1e300, 4.9e-324};
  static const int16_t wm[] = {1, -32768, 32767, 7};
  static const int32_t lm[] = {3, -2147483647 - 1, 2147483647, 10};
  for (unsigned rc = 0; rc < 4; rc++)
    for (unsigned i = 0; i < X87_NINPUTS; i++)
      for (unsigned k = 0; k < 4; k++) {
        uint16_t sw;
        long double a = x87_input(i), r;
        unsigned cw = x87_cw(rc, 3);
        r = mem_adds(a, fm[k], cw, &sw);
        show("fadds", i, k, rc, 3, r, sw);
        r = mem_muld(a, dm[k], cw, &sw);
        show("fmull", i, k, rc, 3, r, sw);
        r = mem_subrd(a, dm[k], cw, &sw);
        show("fsubrl", i, k, rc, 3, r, sw);
        r = mem_divs(a, fm[k], cw, &sw);
        show("fdivs", i, k, rc, 3, r, sw);
        r = mem_iaddw(a, wm[k], cw, &sw);
        show("fiadds", i, k, rc, 3, r, sw);
        r = mem_imull(a, lm[k], cw, &sw);
        show("fimull", i, k, rc, 3, r, sw);
        r = mem_idivrl(a, lm[k], cw, &sw);
        show("fidivrl", i, k, rc, 3, r, sw);
        r = mem_isubw(a, wm[k], cw, &sw);
        show("fisubs", i, k, rc, 3, r, sw);
      }
  /* Constants: FLDPI and friends round according to RC. */
  for (unsigned rc = 0; rc < 4; rc++) {
    long double c[7];
    uint16_t cw = x87_cw(rc, 3);
    __asm__ volatile(
        "fldcw %[cw]\n\tfld1\n\tfstpt %0\n\tfldl2t\n\tfstpt %1\n\tfldl2e\n\tfstpt %2\n\t"
        "fldpi\n\tfstpt %3\n\tfldlg2\n\tfstpt %4\n\tfldln2\n\tfstpt %5\n\tfldz\n\tfstpt %6\n\t"
        "fldcw %[dcw]"
        : "=m"(c[0]), "=m"(c[1]), "=m"(c[2]), "=m"(c[3]), "=m"(c[4]), "=m"(c[5]), "=m"(c[6])
        : [cw] "m"(cw), [dcw] "m"(x87_default_cw));
    printf("constants %s:", x87_rc_name[rc]);
    for (int k = 0; k < 7; k++) x87_print(" ", c[k]);
    printf("\n");
  }
  return 0;
}
