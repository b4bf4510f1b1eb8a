/* x87 integer and format conversions: FILD m16/m32/m64, FIST/FISTP m16/m32/
 * m64 in all rounding modes (out of range gives the integer indefinite and
 * IE), FBLD/FBSTP (packed BCD), FST/FSTP to m32/m64 in all rounding modes
 * (overflow, underflow, denormal results, NaN quieting), FLD m32/m64 of
 * denormals and SNaNs. */
#include "x87.h"

static const uint16_t dcw = 0x037f;

int main(void) {
  static const long double vals[] = {0.0L,
                                     -0.0L,
                                     0.5L,
                                     1.5L,
                                     2.5L,
                                     -2.5L,
                                     -0.5L,
                                     32767.5L,
                                     -32768.5L,
                                     32768.0L,
                                     2147483647.5L,
                                     -2147483648.0L,
                                     -2147483648.5L,
                                     2147483648.0L,
                                     9.2233720368547758e18L,
                                     -9.2233720368547758e18L,
                                     1e19L,
                                     123456789012.75L,
                                     1e-5L,
                                     -1e-300L};
  for (unsigned rc = 0; rc < 4; rc++)
    for (unsigned i = 0; i < ARRAY_LEN(vals); i++) {
      uint16_t cw = x87_cw(rc, 3), s16, s32, s64;
      int16_t w = 0;
      int32_t l = 0;
      int64_t q = 0;
      long double v = vals[i];
      __asm__ volatile(
          "fldcw %[cw]\n\tfnclex\n\tfldt %[v]\n\tfists %[w]\n\tfnstsw %[s16]\n\t"
          "fnclex\n\tfistl %[l]\n\tfnstsw %[s32]\n\tfnclex\n\tfistpll %[q]\n\t"
          "fnstsw %[s64]\n\tfldcw %[dcw]"
          : [w] "=m"(w), [l] "=m"(l), [q] "=m"(q), [s16] "=m"(s16), [s32] "=m"(s32), [s64] "=m"(s64)
          : [v] "m"(v), [cw] "m"(cw), [dcw] "m"(dcw));
      printf("fist v%u %s -> %04x/%04x %08x/%04x %016llx/%04x\n", i, x87_rc_name[rc], (uint16_t)w,
             s16 & 0x023f, (uint32_t)l, s32 & 0x023f, (unsigned long long)q, s64 & 0x023f);
    }
  for (unsigned i = 0; i < X87_NINPUTS; i++) {
    uint16_t s;
    int32_t l = 0;
    long double v = x87_input(i);
    __asm__ volatile("fnclex\n\tfldt %[v]\n\tfistpl %[l]\n\tfnstsw %[s]"
                     : [l] "=m"(l), [s] "=m"(s)
                     : [v] "m"(v));
    printf("fistp32 in%u -> %08x sw%04x\n", i, (uint32_t)l, s & 0x023f);
  }
  static const int64_t ints[] = {0,
                                 1,
                                 -1,
                                 32767,
                                 -32768,
                                 2147483647,
                                 -2147483647 - 1,
                                 9007199254740993ll,
                                 -9223372036854775807ll - 1,
                                 9223372036854775807ll};
  for (unsigned i = 0; i < ARRAY_LEN(ints); i++) {
    long double a, b, c;
    int16_t w = (int16_t)ints[i];
    int32_t l = (int32_t)ints[i];
    __asm__ volatile("filds %3\n\tfstpt %0\n\tfildl %4\n\tfstpt %1\n\tfildll %5\n\tfstpt %2"
                     : "=m"(a), "=m"(b), "=m"(c)
                     : "m"(w), "m"(l), "m"(ints[i]));
    printf("fild %lld:", (long long)ints[i]);
    x87_print(" ", a);
    x87_print(" ", b);
    x87_print(" ", c);
    printf("\n");
  }
  /* Packed BCD. */
  static const long double bcdv[] = {0.0L,  -0.0L, 1.0L, -12345.0L, 999999999999999999.0L,
                                     1e18L, 2.5L,  3.5L, -7.5L};
  for (unsigned i = 0; i < ARRAY_LEN(bcdv); i++) {
    uint8_t bcd[10];
    uint16_t s;
    long double back;
    long double v = bcdv[i];
    memset(bcd, 0, sizeof bcd);
    __asm__ volatile("fnclex\n\tfldt %2\n\tfbstp %0\n\tfnstsw %1" : "=m"(bcd), "=m"(s) : "m"(v));
    __asm__ volatile("fbld %1\n\tfstpt %0" : "=m"(back) : "m"(bcd));
    printf("fbstp v%u -> ", i);
    for (int k = 9; k >= 0; k--) printf("%02x", bcd[k]);
    printf(" sw%04x", s & 0x023f);
    x87_print(" fbld", back);
    printf("\n");
  }
  static const uint8_t rawbcd[][10] = {
      {0x21, 0x43, 0x65, 0x87, 0x09, 0, 0, 0, 0, 0x80},
      {0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0},
      {0x1a, 0, 0, 0, 0, 0, 0, 0, 0, 0}}; /* invalid digit: result undefined, host decides */
  for (unsigned i = 0; i < ARRAY_LEN(rawbcd); i++) {
    long double v;
    __asm__ volatile("fbld %1\n\tfstpt %0" : "=m"(v) : "m"(rawbcd[i]));
    x87_print("fbld raw: ", v);
    printf("\n");
  }
  /* Stores to single and double in all rounding modes. */
  for (unsigned rc = 0; rc < 4; rc++)
    for (unsigned i = 0; i < X87_NINPUTS; i++) {
      uint16_t cw = x87_cw(rc, 3), s1, s2;
      float f;
      double d;
      long double v = x87_input(i);
      __asm__ volatile(
          "fldcw %[cw]\n\tfnclex\n\tfldt %[v]\n\tfsts %[f]\n\tfnstsw %[s1]\n\t"
          "fnclex\n\tfstpl %[d]\n\tfnstsw %[s2]\n\tfldcw %[dcw]"
          : [f] "=m"(f), [d] "=m"(d), [s1] "=m"(s1), [s2] "=m"(s2)
          : [v] "m"(v), [cw] "m"(cw), [dcw] "m"(dcw));
      uint32_t fb;
      uint64_t db;
      memcpy(&fb, &f, 4);
      memcpy(&db, &d, 8);
      printf("fst in%u %s -> %08x/%04x %016llx/%04x\n", i, x87_rc_name[rc], fb, s1 & 0x023f,
             (unsigned long long)db, s2 & 0x023f);
    }
  static const uint32_t fbits[] = {0x00000001u, 0x807fffffu, 0x7f800001u,
                                   0xffc00000u, 0x3f800000u, 0x7f7fffffu};
  static const uint64_t dbits[] = {0x0000000000000001ull, 0x7ff0000000000001ull,
                                   0x800fffffffffffffull, 0x3ff0000000000001ull};
  for (unsigned i = 0; i < ARRAY_LEN(fbits); i++) {
    long double v;
    uint16_t s;
    __asm__ volatile("fnclex\n\tflds %2\n\tfnstsw %1\n\tfstpt %0"
                     : "=m"(v), "=m"(s)
                     : "m"(fbits[i]));
    printf("flds %08x ->", fbits[i]);
    x87_print(" ", v);
    printf(" sw%04x\n", s & 0x023f);
  }
  for (unsigned i = 0; i < ARRAY_LEN(dbits); i++) {
    long double v;
    uint16_t s;
    __asm__ volatile("fnclex\n\tfldl %2\n\tfnstsw %1\n\tfstpt %0"
                     : "=m"(v), "=m"(s)
                     : "m"(dbits[i]));
    printf("fldl %016llx ->", (unsigned long long)dbits[i]);
    x87_print(" ", v);
    printf(" sw%04x\n", s & 0x023f);
  }
  return 0;
}
