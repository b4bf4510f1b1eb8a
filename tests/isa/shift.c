/* SHL SHR SAR ROL ROR RCL RCR at 8/16/32 bits and SHLD SHRD at 16/32 bits,
 * every count 0..33 in CL (so the 5-bit mask and RCL/RCR's modulo 9/17 are
 * covered), plus the by-1 (D0/D1) and imm8 (C0/C1) encodings. All flags are
 * compared, undefined ones included: the host CPU is the reference. */
#include "isa.h"

typedef uint32_t (*sh_fn)(uint32_t a, uint32_t cnt, uint32_t fin, uint32_t* fout);
typedef uint32_t (*shd_fn)(uint32_t a, uint32_t b, uint32_t cnt, uint32_t fin, uint32_t* fout);

#define DEF_SH(fn, insn)                                                       \
  static uint32_t fn(uint32_t a, uint32_t cnt, uint32_t fin, uint32_t* fout) { \
    uint32_t f;                                                                \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]"    \
                     : [a] "+q"(a), [fo] "=&r"(f)                              \
                     : [c] "c"(cnt), [fi] "r"(fin)                             \
                     : "cc");                                                  \
    *fout = f;                                                                 \
    return a;                                                                  \
  }
#define DEF_SH3(op)                   \
  DEF_SH(op##8, #op "b %%cl, %b[a]")  \
  DEF_SH(op##16, #op "w %%cl, %w[a]") \
  DEF_SH(op##32, #op "l %%cl, %[a]")  \
  DEF_SH(op##1_8, #op "b $1, %b[a]")  \
  DEF_SH(op##1_32, #op "l $1, %[a]")  \
  DEF_SH(op##i_16, #op "w $9, %w[a]") \
  DEF_SH(op##i_32, #op "l $31, %[a]") \
  DEF_SH(op##i_8, #op "b $3, %b[a]")
#define SHOPS(X) X(shl) X(shr) X(sar) X(rol) X(ror) X(rcl) X(rcr)
SHOPS(DEF_SH3)

#define DEF_SHD(fn, insn)                                                                  \
  static uint32_t fn(uint32_t a, uint32_t b, uint32_t cnt, uint32_t fin, uint32_t* fout) { \
    uint32_t f;                                                                            \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]"                \
                     : [a] "+r"(a), [fo] "=&r"(f)                                          \
                     : [b] "r"(b), [c] "c"(cnt), [fi] "r"(fin)                             \
                     : "cc");                                                              \
    *fout = f;                                                                             \
    return a;                                                                              \
  }
DEF_SHD(shld16, "shldw %%cl, %w[b], %w[a]")
DEF_SHD(shld32, "shldl %%cl, %[b], %[a]")
DEF_SHD(shrd16, "shrdw %%cl, %w[b], %w[a]")
DEF_SHD(shrd32, "shrdl %%cl, %[b], %[a]")
DEF_SHD(shld32i1, "shldl $1, %[b], %[a]")
DEF_SHD(shrd32i7, "shrdl $7, %[b], %[a]")
DEF_SHD(shld16i20, "shldw $20, %w[b], %w[a]")
DEF_SHD(shrd16i1, "shrdw $1, %w[b], %w[a]")

static const struct {
  const char* name;
  sh_fn fn[8];
} shops[] = {
#define ROW(op) {#op, {op##8, op##16, op##32, op##1_8, op##1_32, op##i_16, op##i_32, op##i_8}},
    SHOPS(ROW)
#undef ROW
};
static const char* const sh_form[] = {"8cl", "16cl", "32cl", "8$1", "32$1", "16$9", "32$31", "8$3"};

static const uint32_t vals[] = {0x00000000u, 0x00000001u, 0x00000080u, 0x00008000u, 0x80000000u,
                                0xffffffffu, 0x7fffffffu, 0x40004041u, 0x9e3779b9u, 0xa5a5c3c3u};

int main(void) {
  static const uint32_t fins[] = {FL_IN_CLEAR, FL_IN_SET};
  for (unsigned o = 0; o < ARRAY_LEN(shops); o++) {
    for (unsigned s = 0; s < 3; s++)
      for (unsigned i = 0; i < ARRAY_LEN(vals); i++)
        for (uint32_t c = 0; c <= 33; c++)
          for (unsigned k = 0; k < 2; k++) {
            uint32_t f, r = shops[o].fn[s](vals[i], c, fins[k], &f);
            printf("%s%s %08x c%02u f%03x -> %08x f%03x\n", shops[o].name, sh_form[s], vals[i], c,
                   fins[k] & FL_ARITH, r, f & FL_ARITH);
          }
    for (unsigned s = 3; s < ARRAY_LEN(sh_form); s++)
      for (unsigned i = 0; i < ARRAY_LEN(vals); i++)
        for (unsigned k = 0; k < 2; k++) {
          uint32_t f, r = shops[o].fn[s](vals[i], 0, fins[k], &f);
          printf("%s%s %08x f%03x -> %08x f%03x\n", shops[o].name, sh_form[s], vals[i],
                 fins[k] & FL_ARITH, r, f & FL_ARITH);
        }
  }
  static const struct {
    const char* name;
    shd_fn fn;
  } shd[] = {{"shld16", shld16}, {"shld32", shld32}, {"shrd16", shrd16}, {"shrd32", shrd32}};
  static const uint32_t dv[] = {0x00000000u, 0x80000001u, 0xffffffffu, 0x12345678u, 0x0000c001u};
  for (unsigned o = 0; o < ARRAY_LEN(shd); o++)
    for (unsigned i = 0; i < ARRAY_LEN(dv); i++)
      for (unsigned j = 0; j < ARRAY_LEN(dv); j++)
        for (uint32_t c = 0; c <= 33; c++)
          for (unsigned k = 0; k < 2; k++) {
            uint32_t f, r = shd[o].fn(dv[i], dv[j], c, fins[k], &f);
            printf("%s %08x %08x c%02u f%03x -> %08x f%03x\n", shd[o].name, dv[i], dv[j], c,
                   fins[k] & FL_ARITH, r, f & FL_ARITH);
          }
  static const struct {
    const char* name;
    shd_fn fn;
  } shdi[] = {{"shld32$1", shld32i1},
              {"shrd32$7", shrd32i7},
              {"shld16$20", shld16i20},
              {"shrd16$1", shrd16i1}};
  for (unsigned o = 0; o < ARRAY_LEN(shdi); o++)
    for (unsigned i = 0; i < ARRAY_LEN(dv); i++)
      for (unsigned j = 0; j < ARRAY_LEN(dv); j++) {
        uint32_t f, r = shdi[o].fn(dv[i], dv[j], 0, FL_IN_CLEAR, &f);
        printf("%s %08x %08x -> %08x f%03x\n", shdi[o].name, dv[i], dv[j], r, f & FL_ARITH);
      }
  return 0;
}
