/* C math through glibc's i386 libm (x87 code paths; at -O2 GCC also inlines
 * some x87 sequences). Results printed exactly with %a. */
#include <math.h>

#include "isa.h"

int main(void) {
  static const double xs[] = {0.0,
                              -0.0,
                              1e-310,
                              0.1,
                              0.5,
                              1.0,
                              1.5,
                              2.0,
                              2.718281828459045,
                              3.14159265358979,
                              10.0,
                              100.5,
                              1e6,
                              1e22,
                              -0.75,
                              -3.0,
                              709.0,
                              -745.0,
                              1e300};
  for (unsigned i = 0; i < ARRAY_LEN(xs); i++) {
    volatile double x = xs[i];
    printf("x=%a sin %a cos %a tan %a\n", x, sin(x), cos(x), tan(x));
    printf("x=%a exp %a expm1 %a log %a log1p %a log10 %a log2 %a\n", x, exp(x), expm1(x),
           log(fabs(x)), log1p(fabs(x)), log10(fabs(x)), log2(fabs(x)));
    printf("x=%a sqrt %a cbrt %a atan %a asin %a acos %a\n", x, sqrt(fabs(x)), cbrt(x), atan(x),
           asin(fmod(x, 1.0)), acos(fmod(x, 1.0)));
    printf("x=%a sinh %a cosh %a tanh %a floor %a ceil %a rint %a lrint %ld round %a\n", x, sinh(x),
           cosh(x), tanh(x), floor(x), ceil(x), rint(x), fabs(x) < 1e9 ? lrint(x) : 0L, round(x));
    for (unsigned j = 0; j < ARRAY_LEN(xs); j += 3) {
      volatile double y = xs[j];
      printf("x=%a y=%a pow %a atan2 %a fmod %a hypot %a remainder %a\n", x, y, pow(fabs(x), y),
             atan2(x, y), fmod(x, y), hypot(x, y), remainder(x, y));
    }
  }
  static const float fs[] = {0.1f, 1.0f, 3.5f, -2.25f, 100.0f};
  for (unsigned i = 0; i < ARRAY_LEN(fs); i++) {
    volatile float x = fs[i];
    printf("f=%a sinf %a expf %a logf %a powf %a sqrtf %a\n", x, sinf(x), expf(x), logf(fabsf(x)),
           powf(fabsf(x), 1.5f), sqrtf(fabsf(x)));
  }
  static const long double ls[] = {0.1L, 1.0L, 3.5L, -2.25L, 1e100L};
  for (unsigned i = 0; i < ARRAY_LEN(ls); i++) {
    volatile long double x = ls[i];
    printf("l=%La sinl %La expl %La logl %La powl %La sqrtl %La\n", x, sinl(x), expl(x),
           logl(fabsl(x)), powl(fabsl(x), 1.5L), sqrtl(fabsl(x)));
  }
  /* A numeric kernel: the compiler's own x87 code for double arithmetic. */
  double acc = 0.0;
  for (int k = 1; k <= 2000; k++) acc += 1.0 / ((double)k * k) * (k & 1 ? 1.0 : -1.0);
  printf("alternating sum %a\n", acc);
  return 0;
}
