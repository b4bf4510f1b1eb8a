/* x87 transcendentals against the host's own x87: FSIN FCOS FSINCOS FPTAN
 * FPATAN F2XM1 FYL2X FYL2XP1 FSQRT over a set of inputs (including the
 * out-of-range |x| >= 2^63 case that sets C2), in round-to-nearest and one
 * directed mode. Exact 80-bit results and status words. */
#include "x87.h"

static const uint16_t dcw = 0x037f;

#define DEF_UN(fn, insn, pops)                                                           \
  static long double fn(long double a, uint16_t cw, uint16_t* sw, long double* second) { \
    long double r, r2 = 0;                                                               \
    uint16_t s;                                                                          \
    __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[a]\n\t" insn                       \
                     "\n\tfnstsw %[s]\n\t"                                               \
                     "fstpt %[r]\n\t" pops "\n\tfldcw %[dcw]"                            \
                     : [r] "=m"(r), [r2] "=m"(r2), [s] "=m"(s)                           \
                     : [a] "m"(a), [cw] "m"(cw), [dcw] "m"(dcw));                        \
    *sw = s;                                                                             \
    *second = r2;                                                                        \
    return r;                                                                            \
  }
DEF_UN(t_fsin, "fsin", "")
DEF_UN(t_fcos, "fcos", "")
DEF_UN(t_fsincos, "fsincos", "fstpt %[r2]")
DEF_UN(t_fptan, "fptan", "fstpt %[r2]")
DEF_UN(t_f2xm1, "f2xm1", "")
DEF_UN(t_fsqrt, "fsqrt", "")
typedef long double (*un_fn)(long double, uint16_t, uint16_t*, long double*);

/* st0 = x, st1 = y; result replaces st1 and pops. */
#define DEF_BIN(fn, insn)                                                          \
  static long double fn(long double y, long double x, uint16_t cw, uint16_t* sw) { \
    long double r;                                                                 \
    uint16_t s;                                                                    \
    __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldt %[y]\n\tfldt %[x]\n\t" insn    \
                     "\n\tfnstsw %[s]\n\tfstpt %[r]\n\tfldcw %[dcw]"               \
                     : [r] "=m"(r), [s] "=m"(s)                                    \
                     : [x] "m"(x), [y] "m"(y), [cw] "m"(cw), [dcw] "m"(dcw));      \
    *sw = s;                                                                       \
    return r;                                                                      \
  }
DEF_BIN(t_fpatan, "fpatan")
DEF_BIN(t_fyl2x, "fyl2x")
DEF_BIN(t_fyl2xp1, "fyl2xp1")
typedef long double (*bin_fn)(long double, long double, uint16_t, uint16_t*);

int main(void) {
  static const long double xs[] = {0.0L,
                                   -0.0L,
                                   1e-30L,
                                   0.1L,
                                   0.5L,
                                   0.7853981633974483096L,
                                   1.0L,
                                   1.5707963267948966192L,
                                   2.0L,
                                   3.0L,
                                   3.14159265358979323846L,
                                   -3.0L,
                                   10.0L,
                                   100.0L,
                                   1e5L,
                                   1e10L,
                                   1e18L,
                                   9.3e18L, /* >= 2^63: out of range for FSIN/FCOS/FPTAN, C2 set */
                                   -0.25L,
                                   -0.999L};
  static const struct {
    const char* name;
    un_fn fn;
    int two;
  } un[] = {{"fsin", t_fsin, 0},   {"fcos", t_fcos, 0},   {"fsincos", t_fsincos, 1},
            {"fptan", t_fptan, 1}, {"f2xm1", t_f2xm1, 0}, {"fsqrt", t_fsqrt, 0}};
  for (unsigned o = 0; o < ARRAY_LEN(un); o++)
    for (unsigned rc = 0; rc < 4; rc += 2) {
      for (unsigned i = 0; i < ARRAY_LEN(xs); i++) {
        uint16_t sw;
        long double second;
        long double r = un[o].fn(xs[i], x87_cw(rc, 3), &sw, &second);
        printf("%s x%u %s ->", un[o].name, i, x87_rc_name[rc]);
        x87_print(" ", r);
        if (un[o].two) x87_print(" ", second);
        printf(" sw%04x\n", sw & 0x477f);
      }
      for (unsigned i = 0; i < X87_NINPUTS; i++) {
        uint16_t sw;
        long double second;
        long double r = un[o].fn(x87_input(i), x87_cw(rc, 3), &sw, &second);
        printf("%s in%u %s ->", un[o].name, i, x87_rc_name[rc]);
        x87_print(" ", r);
        if (un[o].two) x87_print(" ", second);
        printf(" sw%04x\n", sw & 0x477f);
      }
    }
  static const long double ys[] = {1.0L, -1.0L, 0.5L, 3.0L, 1e-20L, 1e20L, 0.0L};
  static const long double x2[] = {1.0L, -1.0L, 2.0L, 0.3L, 1e-20L, 1e20L, 0.0L, -0.0L, 10.0L};
  static const struct {
    const char* name;
    bin_fn fn;
  } bin[] = {{"fpatan", t_fpatan}, {"fyl2x", t_fyl2x}, {"fyl2xp1", t_fyl2xp1}};
  for (unsigned o = 0; o < ARRAY_LEN(bin); o++)
    for (unsigned rc = 0; rc < 4; rc += 2)
      for (unsigned i = 0; i < ARRAY_LEN(ys); i++)
        for (unsigned j = 0; j < ARRAY_LEN(x2); j++) {
          uint16_t sw;
          long double x = x2[j];
          if (o == 2) x = x / 64; /* FYL2XP1 wants |x| < 1 - sqrt(2)/2 */
          long double r = bin[o].fn(ys[i], x, x87_cw(rc, 3), &sw);
          printf("%s y%u x%u %s ->", bin[o].name, i, j, x87_rc_name[rc]);
          x87_print(" ", r);
          printf(" sw%04x\n", sw & 0x477f);
        }
  return 0;
}
