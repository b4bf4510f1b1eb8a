/* Integer kernel: libc qsort with a comparison callback plus our own
 * merge sort, on pseudo-random 32-bit keys (calls, returns, branches). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_u32(const void* a, const void* b) {
  uint32_t x = *(const uint32_t*)a, y = *(const uint32_t*)b;
  return x < y ? -1 : x > y;
}

static void merge_sort(uint32_t* v, uint32_t* tmp, size_t n) {
  if (n < 2) return;
  size_t h = n / 2;
  merge_sort(v, tmp, h);
  merge_sort(v + h, tmp, n - h);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = v[i] <= v[j] ? v[i++] : v[j++];
  while (i < h) tmp[k++] = v[i++];
  while (j < n) tmp[k++] = v[j++];
  memcpy(v, tmp, n * sizeof *v);
}

int main(int argc, char** argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 3;
  const size_t n = 400000;
  uint32_t *v = malloc(n * 4), *w = malloc(n * 4), *tmp = malloc(n * 4);
  uint32_t x = 2463534242u, check = 0;
  for (int r = 0; r < reps; r++) {
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      v[i] = w[i] = x;
    }
    qsort(v, n, 4, cmp_u32);
    merge_sort(w, tmp, n);
    check += v[n / 3] ^ w[n / 2] ^ (uint32_t)memcmp(v, w, n * 4);
  }
  printf("sort %08x\n", check);
  return 0;
}
