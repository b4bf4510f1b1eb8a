/* x87 compares: FCOM FCOMP FCOMPP FUCOM FUCOMPP FCOMI FCOMIP FUCOMI FUCOMIP
 * FICOM FTST FXAM over pairs including +-0, +-inf, denormals, QNaN and SNaN
 * (status word C0 C2 C3 and IE; EFLAGS ZF PF CF for the *COMI forms; the
 * stack depth after popping forms), FNSTSW AX with SAHF, and FCMOVcc for all
 * eight conditions over every ZF/PF/CF combination. */
#include "x87.h"

static const uint16_t dcw = 0x037f;

/* a in st0, b in st1. Returns status word; *fl = EFLAGS after; *top = TOP. */
#define DEF_CMP(fn, insn, pops)                                                         \
  static uint16_t fn(long double a, long double b, uint32_t* fl) {                      \
    uint16_t s;                                                                         \
    uint32_t f;                                                                         \
    __asm__ volatile("fnclex\n\tfldt %[b]\n\tfldt %[a]\n\tpush $0x202\n\tpopf\n\t" insn \
                     "\n\tpushf\n\tpop %[f]\n\tfnstsw %[s]\n\t" pops                    \
                     : [s] "=m"(s), [f] "=r"(f)                                         \
                     : [a] "m"(a), [b] "m"(b)                                           \
                     : "cc");                                                           \
    *fl = f;                                                                            \
    return s;                                                                           \
  }
#define POP2 "fstp %%st(0)\n\tfstp %%st(0)"
#define POP1 "fstp %%st(0)"
DEF_CMP(c_fcom, "fcom %%st(1)", POP2)
DEF_CMP(c_fcomp, "fcomp %%st(1)", POP1)
DEF_CMP(c_fcompp, "fcompp", "")
DEF_CMP(c_fucom, "fucom %%st(1)", POP2)
DEF_CMP(c_fucomp, "fucomp %%st(1)", POP1)
DEF_CMP(c_fucompp, "fucompp", "")
DEF_CMP(c_fcomi, "fcomi %%st(1), %%st", POP2)
DEF_CMP(c_fcomip, "fcomip %%st(1), %%st", POP1)
DEF_CMP(c_fucomi, "fucomi %%st(1), %%st", POP2)
DEF_CMP(c_fucomip, "fucomip %%st(1), %%st", POP1)
DEF_CMP(c_ftst, "ftst", POP2)
DEF_CMP(c_fxam, "fxam", POP2)
typedef uint16_t (*cmp_fn)(long double, long double, uint32_t*);

int main(void) {
  static const struct {
    const char* name;
    cmp_fn fn;
    int eflags;
  } ops[] = {{"fcom", c_fcom, 0},      {"fcomp", c_fcomp, 0},   {"fcompp", c_fcompp, 0},
             {"fucom", c_fucom, 0},    {"fucomp", c_fucomp, 0}, {"fucompp", c_fucompp, 0},
             {"fcomi", c_fcomi, 1},    {"fcomip", c_fcomip, 1}, {"fucomi", c_fucomi, 1},
             {"fucomip", c_fucomip, 1}};
  for (unsigned o = 0; o < ARRAY_LEN(ops); o++)
    for (unsigned i = 0; i < X87_NINPUTS; i++)
      for (unsigned j = 0; j < X87_NINPUTS; j++) {
        uint32_t fl;
        uint16_t sw = ops[o].fn(x87_input(i), x87_input(j), &fl);
        /* C3 C2 C0 and IE, DE, SF; TOP must be back to 0. */
        printf("%s %u,%u -> sw%04x", ops[o].name, i, j, sw & 0x7d47);
        if (ops[o].eflags) printf(" f%03x", fl & FL_ARITH);
        printf("\n");
      }
  for (unsigned i = 0; i < X87_NINPUTS; i++) {
    uint32_t fl;
    uint16_t a = c_ftst(x87_input(i), 0.0L, &fl), b = c_fxam(x87_input(i), 0.0L, &fl);
    printf("ftst %u -> sw%04x fxam -> sw%04x\n", i, a & 0x4747, b & 0x4700);
  }
  /* FXAM of an empty register. */
  uint16_t sw;
  __asm__ volatile("fninit\n\tfxam\n\tfnstsw %0" : "=m"(sw));
  printf("fxam empty -> sw%04x\n", sw & 0x4700);
  __asm__ volatile("fldcw %0" : : "m"(dcw));

  /* FICOM m16/m32 and FCOM m32/m64. */
  static const int32_t ints[] = {0, 1, -1, 3, 2147483647};
  for (unsigned i = 0; i < X87_NINPUTS; i++)
    for (unsigned k = 0; k < ARRAY_LEN(ints); k++) {
      uint16_t s1, s2, s3, s4;
      int16_t w = (int16_t)ints[k];
      float fv = (float)ints[k] + 0.5f;
      double dv = (double)ints[k];
      long double a = x87_input(i);
      __asm__ volatile(
          "fnclex\n\tfldt %4\n\tficoml %5\n\tfnstsw %0\n\tfnclex\n\tficoms %6\n\t"
          "fnstsw %1\n\tfnclex\n\tfcoms %7\n\tfnstsw %2\n\tfnclex\n\tfcompl %8\n\t"
          "fnstsw %3"
          : "=m"(s1), "=m"(s2), "=m"(s3), "=m"(s4)
          : "m"(a), "m"(ints[k]), "m"(w), "m"(fv), "m"(dv));
      printf("ficom %u,%u -> sw%04x sw%04x fcom m -> sw%04x sw%04x\n", i, k, s1 & 0x4747,
             s2 & 0x4747, s3 & 0x4747, s4 & 0x4747);
    }

  /* FNSTSW AX + SAHF: the classic pre-P6 compare idiom. */
  for (unsigned i = 0; i < 6; i++)
    for (unsigned j = 0; j < 6; j++) {
      long double a = x87_input(i * 3), b = x87_input(j * 3);
      uint32_t ax = 0, f;
      __asm__ volatile("fldt %3\n\tfldt %2\n\tfcompp\n\tfnstsw %%ax\n\tsahf\n\tpushf\n\tpop %1"
                       : "+a"(ax), "=r"(f)
                       : "m"(a), "m"(b)
                       : "cc");
      printf("fnstsw/sahf %u,%u -> ax%04x f%03x\n", i * 3, j * 3, ax & 0x4700, f & 0xc5);
    }

    /* FCMOVcc: st0 = a, st1 = b; conditional move of st1 into st0. */
#define FCMOV(cc)                                                                           \
  for (uint32_t m = 0; m < 8; m++) {                                                        \
    uint32_t fin = 0x202 | (m & 1 ? FL_CF : 0) | (m & 2 ? FL_PF : 0) | (m & 4 ? FL_ZF : 0); \
    long double a = 1.0L, b = 2.0L, r;                                                      \
    __asm__ volatile("fldt %2\n\tfldt %1\n\tpush %3\n\tpopf\n\tfcmov" #cc                   \
                     " %%st(1), %%st\n\tfstpt %0\n\tfstp %%st(0)"                           \
                     : "=m"(r)                                                              \
                     : "m"(a), "m"(b), "r"(fin)                                             \
                     : "cc");                                                               \
    printf("fcmov%s cf%u pf%u zf%u -> %s\n", #cc, m & 1, (m >> 1) & 1, (m >> 2) & 1,        \
           r == 2.0L ? "moved" : "kept");                                                   \
  }
  FCMOV(b) FCMOV(e) FCMOV(be) FCMOV(u) FCMOV(nb) FCMOV(ne) FCMOV(nbe) FCMOV(nu) return 0;
}
