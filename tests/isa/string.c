/* MOVS CMPS STOS LODS SCAS, byte/word/dword, with no prefix, F3 (REP/REPE)
 * and F2 (REPNE), DF=0 and DF=1, ECX = 0 (no iteration, flags unchanged), 1,
 * 3 and 9. Prints the final ESI/EDI (as offsets), ECX, EAX, flags and the
 * destination buffer. 16-bit address-size forms live in seg16.c. */
#include "isa.h"

#define BUF 96
#define START 48 /* both directions stay inside the buffers */

struct regs {
  uint32_t esi, edi, ecx, eax, flags;
};

#define DEF_STR(fn, insn)                                                                    \
  static void fn(struct regs* r) {                                                           \
    uint32_t f, fin = r->flags;                                                              \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]\n\tcld"           \
                     : "+S"(r->esi), "+D"(r->edi), "+c"(r->ecx), "+a"(r->eax), [fo] "=&d"(f) \
                     : [fi] "b"(fin)                                                         \
                     : "cc", "memory");                                                      \
    r->flags = f;                                                                            \
  }
#define DEF_STR_OP(op)                        \
  DEF_STR(op##b_, #op "b")                    \
  DEF_STR(op##w_, #op "w")                    \
  DEF_STR(op##l_, #op "l")                    \
  DEF_STR(op##b_f3, ".byte 0xf3\n\t" #op "b") \
  DEF_STR(op##w_f3, ".byte 0xf3\n\t" #op "w") \
  DEF_STR(op##l_f3, ".byte 0xf3\n\t" #op "l") \
  DEF_STR(op##b_f2, ".byte 0xf2\n\t" #op "b") \
  DEF_STR(op##w_f2, ".byte 0xf2\n\t" #op "w") \
  DEF_STR(op##l_f2, ".byte 0xf2\n\t" #op "l")
#define STROPS(X) X(movs) X(cmps) X(stos) X(lods) X(scas)
STROPS(DEF_STR_OP)

typedef void (*str_fn)(struct regs*);
static const struct {
  const char* name;
  str_fn fn[9];
} ops[] = {
#define ROW(op) \
  {#op, {op##b_, op##w_, op##l_, op##b_f3, op##w_f3, op##l_f3, op##b_f2, op##w_f2, op##l_f2}},
    STROPS(ROW)
#undef ROW
};

static uint8_t src[BUF], dst[BUF];

static void fill(void) {
  for (int i = 0; i < BUF; i++) {
    src[i] = (uint8_t)(i * 7 + 3);
    dst[i] = src[i];
  }
  /* Differences for CMPS to find, on both sides of START. */
  dst[START + 5] ^= 0x40;
  dst[START - 7] ^= 0x01;
}

static void dump(const char* tag, const struct regs* r) {
  printf("%s esi%+d edi%+d ecx=%08x eax=%08x f%03x dst=", tag, (int)(r->esi - (uint32_t)src),
         (int)(r->edi - (uint32_t)dst), r->ecx, r->eax, r->flags & (FL_ARITH | FL_DF));
  for (int i = 0; i < BUF; i++) printf("%02x", dst[i]);
  printf("\n");
}

int main(void) {
  static const char* const pfx[] = {"", "f3", "f2"};
  static const char sz[] = "bwl";
  static const uint32_t counts[] = {0, 1, 3, 9};
  for (unsigned o = 0; o < ARRAY_LEN(ops); o++)
    for (unsigned v = 0; v < 9; v++)
      for (unsigned df = 0; df < 2; df++)
        for (unsigned c = 0; c < ARRAY_LEN(counts); c++)
          for (unsigned ea = 0; ea < 2; ea++) {
            /* EAX matters only for SCAS (and STOS): a value present in the
             * buffer a few elements away, or one that is not. */
            if (ea && o != 1 && o != 4 && o != 2) continue;
            fill();
            struct regs r;
            r.esi = (uint32_t)&src[START];
            r.edi = (uint32_t)&dst[START];
            r.ecx = counts[c];
            uint32_t elem_at = START + (df ? -4 : 4) * (1 << (v % 3)) / (v % 3 == 2 ? 4 : 1);
            memcpy(&r.eax, &dst[elem_at], 4);
            if (ea) r.eax = 0xdeadbe00u | (uint32_t)(o * 9 + v);
            r.flags = FL_IN_SET | (df ? FL_DF : 0);
            ops[o].fn[v](&r);
            char tag[40];
            snprintf(tag, sizeof tag, "%s%c%s%s df%u ecx%u eax%u", ops[o].name, sz[v % 3],
                     *pfx[v / 3] ? "." : "", pfx[v / 3], df, counts[c], ea);
            dump(tag, &r);
          }
  return 0;
}
