/* BT/BTS/BTR/BTC (register, immediate and memory forms; memory with large and
 * negative bit offsets), BSF/BSR (zero input included: the destination is
 * left as the host leaves it), BSWAP, XADD, CMPXCHG, CMPXCHG8B, with and
 * without LOCK. */
#include "isa.h"

#define DEF_BT(fn, insn)                                                     \
  static uint32_t fn(uint32_t a, uint32_t b, uint32_t fin, uint32_t* fout) { \
    uint32_t f;                                                              \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]"  \
                     : [a] "+r"(a), [fo] "=&r"(f)                            \
                     : [b] "r"(b), [fi] "r"(fin)                             \
                     : "cc");                                                \
    *fout = f;                                                               \
    return a;                                                                \
  }
#define DEF_BT_OP(op)                  \
  DEF_BT(op##16, #op "w %w[b], %w[a]") \
  DEF_BT(op##32, #op "l %[b], %[a]")   \
  DEF_BT(op##i16, #op "w $21, %w[a]")  \
  DEF_BT(op##i32, #op "l $45, %[a]")
#define BTOPS(X) X(bt) X(bts) X(btr) X(btc)
BTOPS(DEF_BT_OP)
/* BSF/BSR: destination starts as b so the zero-input case shows what is kept. */
DEF_BT(bsf16, "bsfw %w[b], %w[a]")
DEF_BT(bsf32, "bsfl %[b], %[a]")
DEF_BT(bsr16, "bsrw %w[b], %w[a]")
DEF_BT(bsr32, "bsrl %[b], %[a]")

/* Memory forms: bit string at mem+128 bytes, offset in a register (signed). */
static uint8_t bitmem[256];
#define DEF_BTM(fn, insn)                                                   \
  static uint32_t fn(int32_t off, uint32_t fin) {                           \
    uint32_t f;                                                             \
    __asm__ volatile("push %[fi]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fo]" \
                     : [fo] "=&r"(f)                                        \
                     : [b] "r"(off), [m] "r"(bitmem + 128), [fi] "r"(fin)   \
                     : "cc", "memory");                                     \
    return f;                                                               \
  }
#define DEF_BTM_OP(op)                    \
  DEF_BTM(op##m32, #op "l %[b], (%[m])")  \
  DEF_BTM(op##m16, #op "w %w[b], (%[m])") \
  DEF_BTM(op##mi, #op "l $77, (%[m])")
BTOPS(DEF_BTM_OP)
DEF_BTM(lock_btsm32, "lock btsl %[b], (%[m])")
DEF_BTM(lock_btcm32, "lock btcl %[b], (%[m])")

typedef uint32_t (*bin_fn)(uint32_t, uint32_t, uint32_t, uint32_t*);
typedef uint32_t (*btm_fn)(int32_t, uint32_t);

static uint32_t mem_sum(void) {
  uint32_t h = 2166136261u;
  for (unsigned i = 0; i < sizeof bitmem; i++) h = (h ^ bitmem[i]) * 16777619u;
  return h;
}

int main(void) {
  static const uint32_t fins[] = {FL_IN_CLEAR, FL_IN_SET};
  static const uint32_t vals[] = {0x00000000u, 0x00000001u, 0x80000000u, 0xffffffffu,
                                  0x00010000u, 0x12345678u, 0x0000f000u, 0x00400800u};
  static const uint32_t offs[] = {0, 1, 5, 15, 16, 17, 31, 32, 33, 63, 0x7fffffff, 0xfffffff0};
  static const struct {
    const char* name;
    bin_fn fn;
  } bt[] = {
#define ROW(op) {#op "16", op##16}, {#op "32", op##32}, {#op "i16", op##i16}, {#op "i32", op##i32},
      BTOPS(ROW)
#undef ROW
          {"bsf16", bsf16},
      {"bsf32", bsf32},
      {"bsr16", bsr16},
      {"bsr32", bsr32}};
  for (unsigned o = 0; o < ARRAY_LEN(bt); o++)
    for (unsigned i = 0; i < ARRAY_LEN(vals); i++)
      for (unsigned j = 0; j < (o < 16 ? ARRAY_LEN(offs) : ARRAY_LEN(vals)); j++)
        for (unsigned k = 0; k < 2; k++) {
          uint32_t b = o < 16 ? offs[j] : vals[j];
          uint32_t a = o < 16 ? vals[i] : 0xa5a5a5a5u, f;
          if (o >= 16 && i) continue; /* BSF/BSR: one destination preset */
          uint32_t r = bt[o].fn(a, b, fins[k], &f);
          printf("%s %08x %08x f%03x -> %08x f%03x\n", bt[o].name, a, b, fins[k] & FL_ARITH, r,
                 f & FL_ARITH);
        }
  static const struct {
    const char* name;
    btm_fn fn;
  } btm[] = {
#define ROW(op) {#op "m32", op##m32}, {#op "m16", op##m16}, {#op "mi", op##mi},
      BTOPS(ROW)
#undef ROW
          {"lock_btsm32", lock_btsm32},
      {"lock_btcm32", lock_btcm32}};
  static const int32_t moffs[] = {0, 7, 31, 32, 100, 1000, 1023, -1, -8, -33, -1000, -1024};
  for (unsigned o = 0; o < ARRAY_LEN(btm); o++)
    for (unsigned j = 0; j < ARRAY_LEN(moffs); j++) {
      for (unsigned i = 0; i < sizeof bitmem; i++) bitmem[i] = (uint8_t)(i * 37 + 11);
      /* 16-bit forms: the offset register is 16 bits, signed. */
      uint32_t f = btm[o].fn(moffs[j], FL_IN_CLEAR);
      printf("%s off%d -> f%03x mem%08x\n", btm[o].name, moffs[j], f & FL_ARITH, mem_sum());
    }

  /* BSWAP */
  for (unsigned i = 0; i < ARRAY_LEN(vals); i++) {
    uint32_t v = vals[i];
    __asm__("bswap %0" : "+r"(v));
    printf("bswap %08x -> %08x\n", vals[i], v);
  }
  /* XADD 8/16/32, register and locked memory. */
  for (unsigned i = 0; i < ARRAY_LEN(vals); i++)
    for (unsigned j = 0; j < ARRAY_LEN(vals); j++) {
      uint32_t a = vals[i], b = vals[j], f;
      __asm__ volatile("xaddl %1, %0\n\tpushf\n\tpop %2" : "+r"(a), "+r"(b), "=r"(f)::"cc");
      printf("xadd32 %08x %08x -> %08x %08x f%03x\n", vals[i], vals[j], a, b, f & FL_ARITH);
      a = vals[i], b = vals[j];
      __asm__ volatile("xaddb %b1, %b0\n\tpushf\n\tpop %2" : "+q"(a), "+q"(b), "=r"(f)::"cc");
      printf("xadd8 %08x %08x -> %08x %08x f%03x\n", vals[i], vals[j], a, b, f & FL_ARITH);
      volatile uint32_t m = vals[i];
      b = vals[j];
      __asm__ volatile("lock xaddw %w1, %0\n\tpushf\n\tpop %2" : "+m"(m), "+r"(b), "=r"(f)::"cc");
      printf("lock xadd16 %08x %08x -> %08x %08x f%03x\n", vals[i], vals[j], m, b, f & FL_ARITH);
    }
  /* CMPXCHG: equal (store) and unequal (load into EAX). */
  for (unsigned i = 0; i < ARRAY_LEN(vals); i++)
    for (unsigned j = 0; j < 3; j++) {
      uint32_t mem = vals[i], acc = j == 0 ? vals[i] : vals[(i + j) % ARRAY_LEN(vals)];
      uint32_t nv = 0xcafef00du;
      volatile uint32_t m = mem;
      uint32_t a = acc;
      __asm__ volatile("lock cmpxchgl %2, %0" : "+m"(m), "+a"(a) : "r"(nv) : "cc");
      uint32_t f2, a2 = acc, r = mem;
      __asm__ volatile("cmpxchgl %3, %0\n\tpushf\n\tpop %2"
                       : "+r"(r), "+a"(a2), "=&r"(f2)
                       : "r"(nv)
                       : "cc");
      printf("cmpxchg32 mem%08x eax%08x -> mem%08x eax%08x | reg%08x eax%08x f%03x\n", mem, acc, m,
             a, r, a2, f2 & FL_ARITH);
      uint32_t a3 = acc, r3 = mem, f3;
      __asm__ volatile("cmpxchgb %b3, %b0\n\tpushf\n\tpop %2"
                       : "+q"(r3), "+a"(a3), "=&r"(f3)
                       : "q"(nv)
                       : "cc");
      printf("cmpxchg8 r%08x eax%08x -> r%08x eax%08x f%03x\n", mem, acc, r3, a3, f3 & FL_ARITH);
      uint32_t a4 = acc, r4 = mem, f4;
      __asm__ volatile("cmpxchgw %w3, %w0\n\tpushf\n\tpop %2"
                       : "+r"(r4), "+a"(a4), "=&r"(f4)
                       : "r"(nv)
                       : "cc");
      printf("cmpxchg16 r%08x eax%08x -> r%08x eax%08x f%03x\n", mem, acc, r4, a4, f4 & FL_ARITH);
    }
  /* CMPXCHG8B: EDX:EAX compared with m64; equal stores ECX:EBX. */
  for (int eq = 0; eq < 2; eq++)
    for (int lock = 0; lock < 2; lock++) {
      volatile uint64_t m = 0x0123456789abcdefull;
      uint32_t lo = eq ? 0x89abcdefu : 0x89abcdeeu, hi = 0x01234567u, f;
      uint32_t bl = 0x11112222u, ch = 0x33334444u;
      if (lock)
        __asm__ volatile("lock cmpxchg8b %0\n\tpushf\n\tpop %3"
                         : "+m"(m), "+a"(lo), "+d"(hi), "=&r"(f)
                         : "b"(bl), "c"(ch)
                         : "cc");
      else
        __asm__ volatile("cmpxchg8b %0\n\tpushf\n\tpop %3"
                         : "+m"(m), "+a"(lo), "+d"(hi), "=&r"(f)
                         : "b"(bl), "c"(ch)
                         : "cc");
      printf("cmpxchg8b eq%d lock%d -> m%016llx edx:eax %08x:%08x zf%u\n", eq, lock,
             (unsigned long long)m, hi, lo, (f & FL_ZF) ? 1 : 0);
    }
  return 0;
}
