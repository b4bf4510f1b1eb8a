/* Integer kernel: bitwise and table-driven CRC-32 over a generated buffer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 10;
  const size_t n = 1 << 20;
  uint8_t* buf = malloc(n);
  uint32_t x = 12345;
  for (size_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    buf[i] = (uint8_t)(x >> 16);
  }
  uint32_t table[256];
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  uint32_t acc = 0;
  for (int r = 0; r < reps; r++) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
    /* The bitwise form on a slice: branchy shifts. */
    uint32_t c2 = 0xffffffffu;
    for (size_t i = 0; i < n / 8; i++) {
      c2 ^= buf[i];
      for (int k = 0; k < 8; k++) c2 = (c2 >> 1) ^ (0xedb88320u & (0u - (c2 & 1)));
    }
    acc = acc * 31u + (~crc ^ ~c2) + (uint32_t)r;
  }
  printf("crc %08x\n", acc);
  return 0;
}
