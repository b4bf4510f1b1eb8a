/* Integer kernel: 32-bit integer matrix multiply (i-k-j order). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 200

int main(int argc, char** argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 5;
  static int32_t a[N][N], b[N][N], c[N][N];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      a[i][j] = (i * 31 + j * 17) % 101 - 50;
      b[i][j] = (i * 7 + j * 13) % 97 - 48;
    }
  int64_t sum = 0;
  for (int r = 0; r < reps; r++) {
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) c[i][j] = 0;
    for (int i = 0; i < N; i++)
      for (int k = 0; k < N; k++) {
        int32_t aik = a[i][k] + r;
        for (int j = 0; j < N; j++) c[i][j] += aik * b[k][j];
      }
    for (int i = 0; i < N; i++) sum += c[i][(i * 3 + r) % N];
  }
  printf("matmul %lld\n", (long long)sum);
  return 0;
}
