/* x87 state: FNINIT defaults, FNSTCW/FLDCW, FNSTSW, stack overflow and
 * underflow (IE+SF, C1), the tag word through FNSTENV, FFREE, FINCSTP/
 * FDECSTP, FNSAVE/FRSTOR (108-byte image, edited between save and restore),
 * FXSAVE/FXRSTOR layout fields (FCW, FSW, abridged FTW, FOP-independent
 * registers). Instruction/operand pointer fields are addresses or vendor-
 * specific and are not printed. */
#include "x87.h"

static void dump_env(const char* tag, const uint8_t* env) {
  uint16_t cw, sw, tw;
  memcpy(&cw, env, 2);
  memcpy(&sw, env + 4, 2);
  memcpy(&tw, env + 8, 2);
  printf("%s: cw%04x sw%04x tw%04x\n", tag, cw, sw, tw);
}

static void dump_save(const char* tag, const uint8_t* img) {
  dump_env(tag, img);
  for (int i = 0; i < 8; i++) {
    long double v;
    memset(&v, 0, sizeof v);
    memcpy(&v, img + 28 + 10 * i, 10);
    x87_print(i ? " " : "  regs", v);
  }
  printf("\n");
}

int main(void) {
  uint16_t cw, sw;
  uint8_t env[28];
  __asm__ volatile("fninit\n\tfnstcw %0\n\tfnstsw %1\n\tfnstenv %2"
                   : "=m"(cw), "=m"(sw), "=m"(env));
  printf("fninit: cw%04x sw%04x\n", cw, sw);
  dump_env("fninit env", env);

  /* Every control word value we can load reads back (reserved bits as set by
   * hardware). */
  static const uint16_t cws[] = {0x0000, 0x037f, 0x0c7f, 0xffff, 0x1234, 0x0f40};
  for (unsigned i = 0; i < ARRAY_LEN(cws); i++) {
    uint16_t out;
    __asm__ volatile("fldcw %1\n\tfnstcw %0\n\tfninit" : "=m"(out) : "m"(cws[i]));
    printf("fldcw %04x -> %04x\n", cws[i], out);
  }

  /* Push 1..9: the 9th overflows (IE, SF, C1=1) and loads the indefinite. */
  for (int n = 1; n <= 9; n++) {
    __asm__ volatile("fld1");
    __asm__ volatile("fnstsw %0\n\tfnstenv %1" : "=m"(sw), "=m"(env));
    printf("push %d: sw%04x", n, sw);
    dump_env("", env);
  }
  long double top;
  __asm__ volatile("fstpt %0" : "=m"(top));
  x87_print("top after overflow:", top);
  printf("\n");
  /* Pop everything and one more: underflow (IE, SF, C1=0). */
  __asm__ volatile("fninit\n\tfld1\n\tfstp %%st(0)\n\tfstp %%st(0)\n\tfnstsw %0" : "=m"(sw));
  printf("underflow pop: sw%04x\n", sw);
  __asm__ volatile("fninit\n\tfadd %%st(1), %%st\n\tfnstsw %0" : "=m"(sw));
  printf("underflow fadd: sw%04x\n", sw);
  __asm__ volatile("fninit");

  /* Tags: valid, zero, special (inf, NaN, denormal), empty. */
  long double vals[5] = {2.0L, 0.0L, x87_make(0x7fff, 0x8000000000000000ull),
                         x87_make(0x0000, 0x0000000000000001ull),
                         x87_make(0x7fff, 0xc000000000000000ull)};
  __asm__ volatile("fninit\n\tfldt %1\n\tfldt %2\n\tfldt %3\n\tfldt %4\n\tfldt %5\n\tfnstenv %0"
                   : "=m"(env)
                   : "m"(vals[0]), "m"(vals[1]), "m"(vals[2]), "m"(vals[3]), "m"(vals[4]));
  dump_env("tags", env);
  __asm__ volatile("ffree %%st(1)\n\tfnstenv %0" : "=m"(env));
  dump_env("after ffree st1", env);
  __asm__ volatile("fincstp\n\tfnstenv %0" : "=m"(env));
  dump_env("after fincstp", env);
  __asm__ volatile("fdecstp\n\tfdecstp\n\tfnstenv %0" : "=m"(env));
  dump_env("after fdecstp x2", env);

  /* FNSAVE: image, then FNSAVE reinitialises the FPU. */
  uint8_t img[108], img2[108];
  uint16_t cw2 = 0x0b7f;
  __asm__ volatile("fninit\n\tfldcw %2\n\tfldpi\n\tfld1\n\tfldz\n\tfldl2e\n\tfnsave %0\n\tfnstcw %1"
                   : "=m"(img), "=m"(cw)
                   : "m"(cw2));
  dump_save("fnsave", img);
  printf("cw after fnsave: %04x\n", cw);
  /* Edit st(0) (physical register 4 in the image's stack order) and restore. */
  long double seven = 7.0L;
  memcpy(img + 28, &seven, 10);
  long double a, b;
  __asm__ volatile("frstor %2\n\tfstpt %0\n\tfstpt %1\n\tfnsave %3"
                   : "=m"(a), "=m"(b), "+m"(img), "=m"(img2));
  x87_print("frstor st0", a);
  x87_print(" st1", b);
  printf("\n");
  dump_save("fnsave after 2 pops", img2);

  /* FXSAVE: FCW, FSW, abridged tag byte, registers in 16-byte slots. */
  static uint8_t fx[512] __attribute__((aligned(16)));
  static uint8_t fx2[512] __attribute__((aligned(16)));
  memset(fx, 0xcc, sizeof fx);
  __asm__ volatile("fninit\n\tfldcw %1\n\tfldpi\n\tfldz\n\tfld1\n\tfxsave %0"
                   : "=m"(fx)
                   : "m"(cw2));
  uint16_t fcw, fsw;
  memcpy(&fcw, fx, 2);
  memcpy(&fsw, fx + 2, 2);
  printf("fxsave: fcw%04x fsw%04x ftw%02x", fcw, fsw, fx[4]);
  for (int i = 0; i < 8; i++) {
    long double v;
    memset(&v, 0, sizeof v);
    memcpy(&v, fx + 32 + 16 * i, 10);
    x87_print(" ", v);
  }
  printf("\n");
  /* FXRSTOR of an edited image (registers in ST order): only st0 valid. */
  fx[4] = 0x20; /* tags are by physical register: st0 is register 5 (TOP = 5) */
  memcpy(fx + 32, &seven, 10);
  long double c;
  memset(fx2, 0, sizeof fx2);
  __asm__ volatile("fxrstor %2\n\tfstpt %0\n\tfxsave %1" : "=m"(c), "=m"(fx2) : "m"(fx));
  memcpy(&fsw, fx2 + 2, 2);
  x87_print("fxrstor st0", c);
  printf(" then fsw%04x ftw%02x\n", fsw, fx2[4]);
  __asm__ volatile("fninit");
  return 0;
}
