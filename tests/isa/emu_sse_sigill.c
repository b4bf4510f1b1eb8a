/* Emulator-only: an SSE instruction (ADDPS) must raise SIGILL exactly when
 * CPUID reports no SSE, as on hardware without it, and run when CPUID says
 * SSE is present. The host has SSE, so this is not compared with a native run
 * (it passes natively too, through the "present" branch). Exit status 0 = pass. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>

#include "isa.h"

static sigjmp_buf back;
static volatile int got_sig, got_code;
static volatile uint32_t got_addr;

static void on_ill(int sig, siginfo_t* si, void* ctx) {
  got_sig = sig;
  got_code = si->si_code;
  got_addr = (uint32_t)si->si_addr;
  siglongjmp(back, 1);
}

__asm__(
    ".text\n.globl sse_probe\nsse_probe:\n\t"
    ".globl sse_probe_at\nsse_probe_at:\n\taddps %xmm1, %xmm0\n\tret\n"
    ".globl mmx_probe\nmmx_probe:\n\t"
    ".globl mmx_probe_at\nmmx_probe_at:\n\tpaddb %mm1, %mm0\n\temms\n\tret\n");
void sse_probe(void);
void mmx_probe(void);
extern const char sse_probe_at[], mmx_probe_at[];

static int check(const char* name, void (*fn)(void), const char* at, int present) {
  got_sig = 0;
  if (sigsetjmp(back, 1) == 0) fn();
  printf("%s: cpuid says %s, got %s", name, present ? "present" : "absent",
         got_sig ? "SIGILL" : "no signal");
  if (got_sig) printf(" code %d addr at%+d", got_code, (int)(got_addr - (uint32_t)at));
  printf("\n");
  if (present) return got_sig == 0;
  return got_sig == SIGILL && got_code == ILL_ILLOPN && got_addr == (uint32_t)at;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_ill;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGILL, &sa, NULL);
  uint32_t a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
  int ok = check("addps", sse_probe, sse_probe_at, (d >> 25) & 1);
  ok &= check("paddb", mmx_probe, mmx_probe_at, (d >> 23) & 1);
  return ok ? 0 : 1;
}
