/* Code written through a second, writable mapping of the same memory (the
 * dual-mapping trick of JITs under W^X) and run from the executable mapping:
 * the emulator sees no store to the executable address itself, yet must run
 * the new code. Separate from smc.c because it needs invalidation by backing
 * page, not by virtual address (qemu-i386 fails it). */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "isa.h"

typedef uint32_t (*fn0)(void);

static void emit_mov_eax_ret(uint8_t* p, uint32_t imm) {
  p[0] = 0xb8; /* mov $imm32, %eax; ret */
  memcpy(p + 1, &imm, 4);
  p[5] = 0xc3;
}

int main(void) {
  int fd = memfd_create("smc", 0);
  if (fd >= 0 && ftruncate(fd, 4096) == 0) {
    uint8_t* x = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    uint8_t* w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (x != MAP_FAILED && w != MAP_FAILED) {
      for (uint32_t i = 0; i < 4; i++) {
        emit_mov_eax_ret(w, 0xa0a0a0a0u + i);
        printf("dual mapping: %08x\n", ((fn0)x)());
      }
    } else {
      printf("dual mapping: mmap failed\n");
    }
  } else {
    printf("dual mapping: memfd_create failed\n");
  }

  return 0;
}
