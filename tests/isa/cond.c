/* SETcc, CMOVcc (16/32, register and memory) and Jcc (rel8 and rel32) for all
 * 16 conditions over every combination of OF SF ZF PF CF; LOOP, LOOPE,
 * LOOPNE, JECXZ and their 16-bit-counter (0x67) forms. */
#include "isa.h"

#define CONDS(X) \
  X(o) X(no) X(b) X(ae) X(e) X(ne) X(be) X(a) X(s) X(ns) X(p) X(np) X(l) X(ge) X(le) X(g)

#define DEF_COND(cc)                                                                              \
  static uint32_t set_##cc(uint32_t fin) {                                                        \
    uint32_t r = 0xabababab;                                                                      \
    __asm__ volatile("push %1\n\tpopf\n\tset" #cc " %b0" : "+q"(r) : "r"(fin) : "cc");            \
    return r;                                                                                     \
  }                                                                                               \
  static uint32_t cmov32_##cc(uint32_t fin) {                                                     \
    uint32_t r = 0x11111111, s = 0x22222222;                                                      \
    __asm__ volatile("push %2\n\tpopf\n\tcmov" #cc "l %1, %0"                                     \
                     : "+r"(r)                                                                    \
                     : "r"(s), "r"(fin)                                                           \
                     : "cc");                                                                     \
    return r;                                                                                     \
  }                                                                                               \
  static uint32_t cmov16_##cc(uint32_t fin) {                                                     \
    uint32_t r = 0x11111111;                                                                      \
    static const uint16_t m = 0x3333;                                                             \
    __asm__ volatile("push %2\n\tpopf\n\tcmov" #cc "w %1, %w0"                                    \
                     : "+r"(r)                                                                    \
                     : "m"(m), "r"(fin)                                                           \
                     : "cc");                                                                     \
    return r;                                                                                     \
  }                                                                                               \
  static uint32_t jcc8_##cc(uint32_t fin) {                                                       \
    uint32_t r;                                                                                   \
    __asm__ volatile("push %1\n\tpopf\n\tj" #cc " 1f\n\tmov $0, %0\n\tjmp 2f\n1:\tmov $1, %0\n2:" \
                     : "=r"(r)                                                                    \
                     : "r"(fin)                                                                   \
                     : "cc");                                                                     \
    return r;                                                                                     \
  }                                                                                               \
  static uint32_t jcc32_##cc(uint32_t fin) {                                                      \
    uint32_t r;                                                                                   \
    __asm__ volatile("push %1\n\tpopf\n\tj" #cc                                                   \
                     " 1f\n\tmov $0, %0\n\tjmp 2f\n\t.skip 200, 0x90\n"                           \
                     "1:\tmov $1, %0\n2:"                                                         \
                     : "=r"(r)                                                                    \
                     : "r"(fin)                                                                   \
                     : "cc");                                                                     \
    return r;                                                                                     \
  }
CONDS(DEF_COND)

typedef uint32_t (*cond_fn)(uint32_t);
static const struct {
  const char* name;
  cond_fn set, cmov32, cmov16, jcc8, jcc32;
} conds[] = {
#define ROW(cc) {#cc, set_##cc, cmov32_##cc, cmov16_##cc, jcc8_##cc, jcc32_##cc},
    CONDS(ROW)
#undef ROW
};

/* LOOP family: runs the instruction with ECX=count and ZF preset by a compare
 * of *p with 0 each iteration; returns iterations and final ECX. */
#define DEF_LOOP(fn, insn)                                                           \
  static uint32_t fn(uint32_t ecx, const uint8_t* p, uint32_t* ecx_out) {            \
    uint32_t n = 0;                                                                  \
    __asm__ volatile("1:\n\tinc %0\n\tcmpb $0, (%2)\n\tlea 1(%2), %2\n\t" insn " 1b" \
                     : "+r"(n), "+c"(ecx), "+r"(p)                                   \
                     :                                                               \
                     : "cc", "memory");                                              \
    *ecx_out = ecx;                                                                  \
    return n;                                                                        \
  }
DEF_LOOP(do_loop, "loop")
DEF_LOOP(do_loope, "loope")
DEF_LOOP(do_loopne, "loopne")
DEF_LOOP(do_loop16, ".byte 0x67\n\tloop")
DEF_LOOP(do_loope16, ".byte 0x67\n\tloope")

static uint32_t do_jecxz(uint32_t ecx) {
  uint32_t r;
  __asm__ volatile("jecxz 1f\n\tmov $0, %0\n\tjmp 2f\n1:\tmov $1, %0\n2:" : "=r"(r) : "c"(ecx));
  return r;
}
static uint32_t do_jcxz(uint32_t ecx) {
  uint32_t r;
  __asm__ volatile(".byte 0x67\n\tjecxz 1f\n\tmov $0, %0\n\tjmp 2f\n1:\tmov $1, %0\n2:"
                   : "=r"(r)
                   : "c"(ecx));
  return r;
}

int main(void) {
  for (unsigned c = 0; c < ARRAY_LEN(conds); c++) {
    printf("%-3s", conds[c].name);
    for (uint32_t m = 0; m < 32; m++) {
      uint32_t fin = 0x202 | (m & 1 ? FL_CF : 0) | (m & 2 ? FL_PF : 0) | (m & 4 ? FL_ZF : 0) |
                     (m & 8 ? FL_SF : 0) | (m & 16 ? FL_OF : 0);
      printf(" %02x:%x%x%x%x%x", m, conds[c].set(fin) == 0xabababab ? 9 : conds[c].set(fin) & 0xff,
             conds[c].cmov32(fin) == 0x22222222, conds[c].cmov16(fin) == 0x11113333,
             conds[c].jcc8(fin), conds[c].jcc32(fin));
      uint32_t s = conds[c].set(fin);
      if ((s & 0xffffff00u) != 0xababab00u) printf("!set-clobbered-%08x", s);
      uint32_t v = conds[c].cmov16(fin);
      if (v != 0x11111111u && v != 0x11113333u) printf("!cmov16-%08x", v);
    }
    printf("\n");
  }
  static const uint8_t pat[] = {0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
  static const uint32_t counts[] = {1, 2, 5, 9, 0x10003, 0x20000 | 4};
  for (unsigned i = 0; i < ARRAY_LEN(counts); i++)
    for (unsigned start = 0; start < 4; start++) {
      uint32_t e1, e2, e3, e4 = 0, e5 = 0, n1, n2, n3, n4 = 0, n5 = 0;
      n1 = counts[i] < 20 ? do_loop(counts[i], pat, &e1) : (e1 = 0, 0);
      n2 = do_loope(counts[i], pat + start, &e2);
      n3 = do_loopne(counts[i], pat + start, &e3);
      if ((counts[i] & 0xffff) < 20) {
        n4 = do_loop16(counts[i], pat, &e4);
        n5 = do_loope16(counts[i], pat + start, &e5);
      }
      printf(
          "loop ecx=%08x start%u: loop %u/%08x loope %u/%08x loopne %u/%08x loop16 %u/%08x "
          "loope16 %u/%08x\n",
          counts[i], start, n1, e1, n2, e2, n3, e3, n4, e4, n5, e5);
    }
  static const uint32_t jc[] = {0, 1, 0x10000, 0xffff0000u, 0xffffffffu};
  for (unsigned i = 0; i < ARRAY_LEN(jc); i++)
    printf("jecxz %08x -> %u jcxz -> %u\n", jc[i], do_jecxz(jc[i]), do_jcxz(jc[i]));
  return 0;
}
