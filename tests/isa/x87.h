/* Helpers for the x87 tests: exact 80-bit printing, control/status words,
 * a set of interesting extended-precision inputs built from bit patterns (so
 * the compiler never rounds them). */
#pragma once
#include "isa.h"

typedef union {
  long double ld;
  struct {
    uint64_t mant;
    uint16_t sexp;
  } __attribute__((packed)) p;
  uint8_t b[12];
} x87_val;

static inline long double x87_make(uint16_t sexp, uint64_t mant) {
  x87_val v;
  memset(&v, 0, sizeof v);
  v.p.mant = mant;
  v.p.sexp = sexp;
  return v.ld;
}

/* "sexp:mantissa" of an 80-bit value. */
static inline void x87_print(const char* pfx, long double x) {
  x87_val v;
  memset(&v, 0, sizeof v);
  v.ld = x;
  printf("%s%04x:%016llx", pfx, v.p.sexp, (unsigned long long)v.p.mant);
}

/* Control word with all exceptions masked, rounding rc (0 nearest, 1 down,
 * 2 up, 3 toward zero) and precision pc (0 single, 2 double, 3 extended). */
static inline uint16_t x87_cw(unsigned rc, unsigned pc) {
  return (uint16_t)(0x007f | pc << 8 | rc << 10);
}

static const char* const x87_rc_name[] = {"near", "down", "up", "zero"};

/* The interesting inputs. */
static const struct {
  uint16_t sexp;
  uint64_t mant;
} x87_inputs[] = {
    {0x0000, 0x0000000000000000ull}, /* +0 */
    {0x8000, 0x0000000000000000ull}, /* -0 */
    {0x3fff, 0x8000000000000000ull}, /* 1 */
    {0xbfff, 0x8000000000000000ull}, /* -1 */
    {0x3fff, 0xc000000000000000ull}, /* 1.5 */
    {0x4000, 0xc000000000000000ull}, /* 3 */
    {0x3ffd, 0xaaaaaaaaaaaaaaabull}, /* 1/3 */
    {0x3ffb, 0xcccccccccccccccdull}, /* 0.1 */
    {0x4000, 0xc90fdaa22168c235ull}, /* pi */
    {0x401e, 0xb2d05e0000000000ull}, /* 1.5e9 */
    {0xc03e, 0xffffffffffffffffull}, /* -(2^64 - 1) */
    {0x3fff, 0x8000000000000001ull}, /* 1 + ulp */
    {0x7ffe, 0xffffffffffffffffull}, /* max */
    {0x0001, 0x8000000000000000ull}, /* min normal */
    {0x0000, 0x0000000000000001ull}, /* min denormal */
    {0x7fff, 0x8000000000000000ull}, /* +inf */
    {0xffff, 0x8000000000000000ull}, /* -inf */
    {0x7fff, 0xc000000000000000ull}, /* qNaN */
    {0x7fff, 0xa000000000000000ull}, /* sNaN */
};
#define X87_NINPUTS (sizeof(x87_inputs) / sizeof(x87_inputs[0]))
static inline long double x87_input(unsigned i) {
  return x87_make(x87_inputs[i].sexp, x87_inputs[i].mant);
}
