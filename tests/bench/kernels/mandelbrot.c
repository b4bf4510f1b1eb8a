/* x87 kernel: Mandelbrot set membership over a grid (doubles, compare-heavy). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  int size = argc > 1 ? atoi(argv[1]) : 600;
  unsigned long inside = 0, iters = 0;
  for (int py = 0; py < size; py++) {
    double ci = 2.0 * py / size - 1.0;
    for (int px = 0; px < size; px++) {
      double cr = 2.0 * px / size - 1.5, zr = 0, zi = 0;
      int k = 0;
      while (k < 100 && zr * zr + zi * zi <= 4.0) {
        double t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        k++;
      }
      iters += k;
      inside += k == 100;
    }
  }
  printf("mandelbrot %lu %lu\n", inside, iters);
  return 0;
}
