/* DAA DAS AAA AAS over all 256 AL values x CF/AF inputs (and AH for the ASCII
 * adjusts), AAM and AAD with base 10 and other bases (D4 ib / D5 ib). */
#include "isa.h"

#define DEF_BCD(fn, insn)                                                   \
  static uint32_t fn(uint32_t a, uint32_t fin, uint32_t* fout) {            \
    uint32_t f;                                                             \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]" \
                     : "+a"(a), [fo] "=&r"(f)                               \
                     : [fi] "r"(fin)                                        \
                     : "cc");                                               \
    *fout = f;                                                              \
    return a;                                                               \
  }
DEF_BCD(do_daa, "daa")
DEF_BCD(do_das, "das")
DEF_BCD(do_aaa, "aaa")
DEF_BCD(do_aas, "aas")
DEF_BCD(do_aam10, "aam")
DEF_BCD(do_aam16, ".byte 0xd4, 0x10")
DEF_BCD(do_aam7, ".byte 0xd4, 0x07")
DEF_BCD(do_aam255, ".byte 0xd4, 0xff")
DEF_BCD(do_aad10, "aad")
DEF_BCD(do_aad16, ".byte 0xd5, 0x10")
DEF_BCD(do_aad7, ".byte 0xd5, 0x07")
DEF_BCD(do_aad255, ".byte 0xd5, 0xff")

typedef uint32_t (*bcd_fn)(uint32_t, uint32_t, uint32_t*);

int main(void) {
  static const struct {
    const char* name;
    bcd_fn fn;
  } ops[] = {{"daa", do_daa},     {"das", do_das},     {"aaa", do_aaa},   {"aas", do_aas},
             {"aam10", do_aam10}, {"aam16", do_aam16}, {"aam7", do_aam7}, {"aam255", do_aam255},
             {"aad10", do_aad10}, {"aad16", do_aad16}, {"aad7", do_aad7}, {"aad255", do_aad255}};
  /* CF/AF combinations, once with the other flags clear and once set. */
  static const uint32_t fins[] = {0x202,
                                  0x202 | FL_CF,
                                  0x202 | FL_AF,
                                  0x202 | FL_CF | FL_AF,
                                  0x202 | FL_OF | FL_SF | FL_ZF | FL_PF,
                                  FL_IN_SET};
  /* AH values: AAA/AAS/AAD read AH, the others must preserve it. */
  static const uint32_t ahs[] = {0x00, 0x09, 0xff};
  for (unsigned o = 0; o < ARRAY_LEN(ops); o++)
    for (uint32_t al = 0; al < 256; al++)
      for (unsigned h = 0; h < ARRAY_LEN(ahs); h++)
        for (unsigned k = 0; k < ARRAY_LEN(fins); k++) {
          /* Keep the output modest: AH variation only with the CF/AF-only inputs. */
          if (h && k >= 4) continue;
          uint32_t a = 0xabcd0000u | ahs[h] << 8 | al, f;
          uint32_t r = ops[o].fn(a, fins[k], &f);
          printf("%s %08x f%03x -> %08x f%03x\n", ops[o].name, a, fins[k] & FL_ARITH, r,
                 f & FL_ARITH);
        }
  return 0;
}
