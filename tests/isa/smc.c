/* Self-modifying code: a RWX buffer whose code is written, called, rewritten
 * and called again (same address, so a translator must notice the write);
 * code that patches the immediate of the very next instruction; a loop whose
 * body is patched on every iteration; mprotect round trips. Writing code
 * through a second mapping of the same memory is smc_dual.c. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "isa.h"

typedef uint32_t (*fn0)(void);

static uint8_t* emit_mov_eax_ret(uint8_t* p, uint32_t imm) {
  *p++ = 0xb8; /* mov $imm32, %eax */
  memcpy(p, &imm, 4);
  p += 4;
  *p++ = 0xc3; /* ret */
  return p;
}

int main(void) {
  uint8_t* buf =
      mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf == MAP_FAILED) return 1;

  /* 1. Write, call, rewrite, call: 100 times, each with a new constant. */
  uint32_t acc = 0;
  for (uint32_t i = 0; i < 100; i++) {
    emit_mov_eax_ret(buf, i * 0x01010101u);
    acc = acc * 31 + ((fn0)buf)();
  }
  printf("rewrite+call x100: %08x\n", acc);

  /* 2. Rewrite only the immediate byte in place (no other change). */
  emit_mov_eax_ret(buf, 0);
  for (uint32_t i = 0; i < 8; i++) {
    buf[1] = (uint8_t)(0x10 + i);
    printf("patched imm: %08x\n", ((fn0)buf)());
  }

  /* 3. Code that patches the immediate of the next instruction:
   *      movl $0x600dc0de, next+1   ; absolute address
   *    next:
   *      mov $0xbad, %eax
   *      ret
   *    On every x86 since the Pentium the store is seen by the next fetch. */
  uint8_t* p = buf + 64;
  uint8_t* next = p + 10;
  p[0] = 0xc7;
  p[1] = 0x05;
  uint32_t target = (uint32_t)(next + 1), newimm = 0x600dc0deu;
  memcpy(p + 2, &target, 4);
  memcpy(p + 6, &newimm, 4);
  emit_mov_eax_ret(next, 0xbad);
  printf("patch next insn: %08x\n", ((fn0)(buf + 64))());
  printf("patch next insn again (already patched): %08x\n", ((fn0)(buf + 64))());
  emit_mov_eax_ret(next, 0xbad);
  newimm = 0x0defaced;
  memcpy(p + 6, &newimm, 4);
  printf("patch next insn after reset: %08x\n", ((fn0)(buf + 64))());

  /* 4. A loop whose own add-immediate is rewritten by its body:
   *      xor %eax,%eax ; mov $10,%ecx
   *    top:
   *      add $1, %eax           ; 83 c0 imm8  (imm at top+2)
   *      incb top+2             ; fe 05 abs32
   *      loop top
   *      ret                                           sum = 1+2+...+10 */
  uint8_t* q = buf + 128;
  uint8_t* top = q + 7;
  uint32_t immaddr = (uint32_t)(top + 2);
  uint8_t code[] = {0x31, 0xc0, 0xb9, 10, 0, 0, 0, /* xor, mov $10,%ecx */
                    0x83, 0xc0, 0x01,              /* top: add $1,%eax */
                    0xfe, 0x05, 0,    0,  0, 0,    /* incb abs32 */
                    0xe2, 0xf5,                    /* loop top (-11) */
                    0xc3};
  memcpy(code + 12, &immaddr, 4);
  memcpy(q, code, sizeof code);
  printf("self-patching loop: %u\n", ((fn0)q)());
  printf("self-patching loop, second run: %u\n", ((fn0)q)());

  /* 5. mprotect round trip: make the page read-only+exec, run, make it
   *    writable again, patch, run. */
  emit_mov_eax_ret(buf + 4096, 0x11111111);
  mprotect(buf + 4096, 4096, PROT_READ | PROT_EXEC);
  printf("after mprotect rx: %08x\n", ((fn0)(buf + 4096))());
  mprotect(buf + 4096, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
  emit_mov_eax_ret(buf + 4096, 0x22222222);
  printf("after mprotect rwx + patch: %08x\n", ((fn0)(buf + 4096))());
  return 0;
}
