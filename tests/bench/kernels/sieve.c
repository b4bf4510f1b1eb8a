/* Integer kernel: sieve of Eratosthenes over a byte array, repeated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 10;
  const int n = 4000000;
  unsigned char* composite = malloc(n + 1);
  long total = 0;
  for (int r = 0; r < reps; r++) {
    memset(composite, 0, n + 1);
    int count = 0;
    for (int i = 2; i <= n; i++) {
      if (composite[i]) continue;
      count++;
      if (i > n / i) continue; /* i*i would pass n (and overflow) */
      for (int j = i * i; j <= n; j += i) composite[j] = 1;
    }
    total += count;
  }
  printf("primes %ld\n", total);
  return 0;
}
