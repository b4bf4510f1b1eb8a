/* Emulator-only: the CPU model dynemu reports (issue 3: a P6-class processor,
 * family 6, with FPU, TSC, CX8, CMOV). The host CPU reports something else,
 * so this is not compared with a native run: it passes on exit status 0. The
 * vendor string and feature words are printed for information. */
#include "isa.h"

int main(void) {
  uint32_t a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
  char vendor[13];
  memcpy(vendor, &b, 4);
  memcpy(vendor + 4, &d, 4);
  memcpy(vendor + 8, &c, 4);
  vendor[12] = 0;
  uint32_t max_leaf = a;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
  unsigned family = (a >> 8) & 0xf, model = (a >> 4) & 0xf, stepping = a & 0xf;
  printf("vendor '%s' max leaf %u family %u model %u stepping %u edx %08x ecx %08x\n", vendor,
         max_leaf, family, model, stepping, d, c);
  printf("MMX %u SSE %u SSE2 %u FXSR %u\n", (d >> 23) & 1, (d >> 25) & 1, (d >> 26) & 1,
         (d >> 24) & 1);
  int ok = 1;
#define REQUIRE(cond)            \
  if (!(cond)) {                 \
    printf("FAIL: %s\n", #cond); \
    ok = 0;                      \
  }
  REQUIRE(max_leaf >= 1);
  REQUIRE(family == 6);
  REQUIRE(d & (1u << 0));  /* FPU */
  REQUIRE(d & (1u << 4));  /* TSC */
  REQUIRE(d & (1u << 8));  /* CX8 */
  REQUIRE(d & (1u << 15)); /* CMOV */
  for (int i = 0; i < 12; i++) REQUIRE(vendor[i] >= 0x20 && vendor[i] < 0x7f);
  return ok ? 0 : 1;
}
