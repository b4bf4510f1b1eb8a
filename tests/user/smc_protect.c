/* Self-modifying code as dynemu-i386 detects it in user mode: pages holding
 * translated code that the guest may write are write-protected on the host,
 * so every kind of writer must still be seen:
 *   1. a loop in the code page itself storing into that page (the running
 *      block is dropped by its own store and restarted precisely);
 *   2. C code (another page) storing next to code, then calling it;
 *   3. read(2) and readv(2) into a buffer sharing a page with code (the host
 *      kernel writes there, not a CPU store);
 *   4. a fork child rewriting the code it inherited;
 *   5. pages the guest itself made read-only still raise SIGSEGV at the
 *      faulting instruction with the right si_addr, also after they held
 *      code, and become writable code pages again after mprotect;
 *   6. two threads rewriting and calling code in one shared page while a
 *      third reads code into it from a pipe. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

typedef uint32_t (*fn0)(void);

static uint8_t* emit_mov_eax_ret(uint8_t* p, uint32_t imm) {
  *p++ = 0xb8; /* mov $imm32, %eax */
  memcpy(p, &imm, 4);
  p += 4;
  *p++ = 0xc3; /* ret */
  return p;
}

/* 1. At `code`: a loop storing its counter into `data` (same page) 300
 * times, then returning the sum of what it stored:
 *     xor %eax,%eax ; xor %edx,%edx ; mov $300,%ecx
 *   top:
 *     mov %ecx, data            ; 89 0d abs32
 *     add data, %edx            ; 03 15 abs32
 *     loop top
 *     mov %edx, %eax ; ret                      sum = 300*301/2 = 45150 */
static uint32_t store_loop_in_code_page(uint8_t* code, uint8_t* data) {
  uint32_t a = (uint32_t)data;
  uint8_t c[] = {0x31, 0xc0, 0x31, 0xd2, 0xb9, 0x2c, 0x01, 0, 0, /* */
                 0x89, 0x0d, 0,    0,    0,    0,                /* top: mov %ecx,data */
                 0x03, 0x15, 0,    0,    0,    0,                /* add data,%edx */
                 0xe2, 0xf2,                                     /* loop top (-14) */
                 0x89, 0xd0, 0xc3};
  memcpy(c + 11, &a, 4);
  memcpy(c + 17, &a, 4);
  memcpy(code, c, sizeof c);
  return ((fn0)code)();
}

/* 1b. A loop that rewrites the immediate of an instruction after it in the
 * same straight-line code on every pass (the write lands in the running
 * block, which must not run its old copy):
 *     mov $5,%ecx ; xor %edx,%edx
 *   top:
 *     mov %cl, imm              ; 88 0d abs32 (imm: the next insn's)
 *     mov $0, %eax              ; b8 imm32  (imm = the byte just stored)
 *     add %eax, %edx
 *     loop top
 *     mov %edx,%eax ; ret                       5+4+3+2+1 = 15 */
static uint32_t patch_ahead_loop(uint8_t* code) {
  uint8_t c[] = {0xb9, 5,    0,   0, 0, 0x31, 0xd2, /* */
                 0x88, 0x0d, 0,   0, 0, 0,          /* top: mov %cl, imm */
                 0xb8, 0,    0,   0, 0,             /* mov $imm,%eax */
                 0x01, 0xc2,                        /* add %eax,%edx */
                 0xe2, 0xf1,                        /* loop top (-15) */
                 0x89, 0xd0, 0xc3};
  uint32_t imm = (uint32_t)(code + 14);
  memcpy(c + 9, &imm, 4);
  memcpy(code, c, sizeof c);
  return ((fn0)code)();
}

static sigjmp_buf g_jmp;
static volatile uintptr_t g_si_addr, g_eip;

static void on_segv(int sig, siginfo_t* si, void* ctx) {
  (void)sig;
  g_si_addr = (uintptr_t)si->si_addr;
  g_eip = (uintptr_t)((ucontext_t*)ctx)->uc_mcontext.gregs[REG_EIP];
  siglongjmp(g_jmp, 1);
}

/* A store at a known address: `faulting_store` is the mov. */
extern char faulting_store[];
__attribute__((noinline, noclone)) static void store_at(volatile uint32_t* p, uint32_t v) {
  __asm__ volatile(
      ".globl faulting_store\n"
      "faulting_store: movl %1, (%0)\n" ::"r"(p),
      "r"(v)
      : "memory");
}

static void expect_segv(const char* what, uint8_t* page, uint32_t off) {
  g_si_addr = 0;
  g_eip = 0;
  if (sigsetjmp(g_jmp, 1) == 0) {
    store_at((volatile uint32_t*)(page + off), 0x12345678);
    printf("%s: no fault\n", what);
    return;
  }
  printf("%s: SIGSEGV si_addr=page+%#x eip=%s\n", what, (unsigned)(g_si_addr - (uintptr_t)page),
         g_eip == (uintptr_t)faulting_store ? "the store" : "WRONG");
}

/* 6. Each thread owns 64 bytes of one page: rewrite, call, 300 times. */
static uint8_t* g_shared;
static int g_pipe[2];

static void* rewrite_thread(void* arg) {
  const uint32_t k = (uint32_t)(uintptr_t)arg;
  uint8_t* mine = g_shared + 64 * k;
  uint32_t acc = 0;
  for (uint32_t i = 0; i < 300; i++) {
    emit_mov_eax_ret(mine, k * 100000 + i);
    acc = acc * 31 + ((fn0)mine)();
  }
  return (void*)(uintptr_t)acc;
}

static void* read_thread(void* arg) {
  (void)arg;
  uint8_t* mine = g_shared + 512;
  uint32_t acc = 0;
  for (uint32_t i = 0; i < 50; i++) {
    emit_mov_eax_ret(mine, 0);
    acc += ((fn0)mine)();
    if (read(g_pipe[0], mine, 6) != 6) return NULL;
    acc = acc * 31 + ((fn0)mine)();
  }
  return (void*)(uintptr_t)acc;
}

static void threads_case(void) {
  g_shared =
      mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (g_shared == MAP_FAILED || pipe(g_pipe) != 0) return;
  for (uint32_t i = 0; i < 50; i++) {
    uint8_t c[6];
    emit_mov_eax_ret(c, 0x1000 + i);
    if (write(g_pipe[1], c, sizeof c) != (ssize_t)sizeof c) return;
  }
  pthread_t t[3];
  pthread_create(&t[0], NULL, rewrite_thread, (void*)1);
  pthread_create(&t[1], NULL, rewrite_thread, (void*)2);
  pthread_create(&t[2], NULL, read_thread, NULL);
  for (int k = 0; k < 3; k++) {
    void* r;
    pthread_join(t[k], &r);
    printf("thread %d: %08x\n", k, (unsigned)(uintptr_t)r);
  }
}

int main(void) {
  uint8_t* buf =
      mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf == MAP_FAILED) return 1;

  /* 1. */
  printf("store loop in its own page: %u\n", store_loop_in_code_page(buf, buf + 2048));
  printf("again (code translated anew): %u\n", store_loop_in_code_page(buf, buf + 2048));
  printf("patch-ahead loop: %u\n", patch_ahead_loop(buf + 256));

  /* 2. A data word next to code, written from C between calls. */
  uint8_t* code = buf + 4096;
  volatile uint32_t* counter = (volatile uint32_t*)(code + 1024);
  uint32_t acc = 0;
  for (uint32_t i = 0; i < 200; i++) {
    emit_mov_eax_ret(code, i * 7);
    *counter += i;
    acc = acc * 33 + ((fn0)code)() + *counter;
  }
  printf("C stores next to code: %08x\n", acc);

  /* 3. read(2)/readv(2) of new code into the page of code that ran. */
  int fds[2];
  if (pipe(fds) != 0) return 2;
  uint8_t* rd = buf + 8192;
  emit_mov_eax_ret(rd, 1);
  printf("before read: %u\n", ((fn0)rd)());
  uint8_t newcode[6];
  emit_mov_eax_ret(newcode, 0xcafe);
  if (write(fds[1], newcode, sizeof newcode) != (ssize_t)sizeof newcode) return 3;
  ssize_t n = read(fds[0], rd, sizeof newcode);
  printf("read %d bytes of code: %#x\n", (int)n, ((fn0)rd)());
  emit_mov_eax_ret(newcode, 0xbeef);
  if (write(fds[1], newcode, sizeof newcode) != (ssize_t)sizeof newcode) return 3;
  struct iovec iov[2] = {{rd, 1}, {rd + 1, sizeof newcode - 1}};
  n = readv(fds[0], iov, 2);
  printf("readv %d bytes of code: %#x\n", (int)n, ((fn0)rd)());
  /* A buffer next to code (not over it): the code must stay valid. */
  if (write(fds[1], "hello", 5) != 5) return 3;
  n = read(fds[0], rd + 512, 5);
  printf("read %d bytes next to code: %.5s, code still %#x\n", (int)n, (char*)(rd + 512),
         ((fn0)rd)());

  /* 4. fork: the child rewrites inherited code. */
  pid_t pid = fork();
  if (pid == 0) {
    emit_mov_eax_ret(rd, 0xc41d);
    _exit(((fn0)rd)() == 0xc41d ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("fork child rewrote code: %s; parent still %#x\n",
         WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "FAILED", ((fn0)rd)());

  /* 5. Guest read-only pages. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  uint8_t* ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  expect_segv("write to a read-only page", ro, 0x10);
  /* Code ran from buf+4096; the guest makes it read-only: a real fault. */
  mprotect(code, 4096, PROT_READ | PROT_EXEC);
  printf("read-only code page still runs: %u\n", ((fn0)code)());
  expect_segv("write to a read-only code page", code, 0x20);
  /* Writable again: writes go through and new code is seen. */
  mprotect(code, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
  printf("runs before rewrite: %u\n", ((fn0)code)());
  emit_mov_eax_ret(code, 0x5a5a);
  printf("rewritten after mprotect: %#x\n", ((fn0)code)());
  /* munmap and a new mapping at the same place: no stale code. */
  munmap(code, 4096);
  uint8_t* again = mmap(code, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  emit_mov_eax_ret(again, 0x77);
  printf("remapped page: %#x\n", ((fn0)again)());

  /* 6. */
  threads_case();
  return 0;
}
