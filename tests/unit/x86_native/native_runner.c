// The native side of x86_native_diff_test, built with gcc -m32: runs guest
// code on this CPU. Reads lines "hexbytes eax ecx edx ebx ebp esi edi
// eflags dump"; for each, fills the data area and stack page (layout.h),
// loads the registers (ESP = X86N_STACK_TOP) and EFLAGS, runs the bytes at
// X86N_CODE (which end by falling through to a jump back here) and prints
// "eax ecx edx ebx esp ebp esi edi eflags&mask data-checksum stack-checksum",
// "fault SIGNAL" or "timeout" (a case that runs over 2 s). With dump 1 a
// second line holds the data area and stack page in hex. The emulated side
// (harness.cpp) does the same.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "layout.h"

uint32_t g_regs[8], g_flags, g_out[8], g_outflags, g_saved_esp;
static sigjmp_buf g_jb;
static void on_sig(int sig) { siglongjmp(g_jb, sig); }
extern void run_guest(void);
#define STR2(x) #x
#define STR(x) STR2(x)
__asm__(
    ".globl run_guest\n run_guest:\n"
    " pusha\n mov %esp, g_saved_esp\n push g_flags\n popf\n"  // EFLAGS set on our own stack
    " mov $" STR(X86N_STACK_TOP) ", %esp\n"
    " mov g_regs+0, %eax\n mov g_regs+4, %ecx\n mov g_regs+8, %edx\n mov g_regs+12, %ebx\n"
    " mov g_regs+20, %ebp\n mov g_regs+24, %esi\n mov g_regs+28, %edi\n"
    " jmp *" STR(X86N_NATIVE_VARS) "\n"
    ".globl guest_done\n guest_done:\n"
    " mov %eax, g_out+0\n mov %ecx, g_out+4\n mov %edx, g_out+8\n mov %ebx, g_out+12\n"
    " mov %esp, g_out+16\n mov %ebp, g_out+20\n mov %esi, g_out+24\n mov %edi, g_out+28\n"
    " mov g_saved_esp, %esp\n pushf\n pop g_outflags\n cld\n"  // not on the compared stack
    " popa\n ret\n");
extern char guest_done[];

static uint32_t checksum(const uint8_t* p, uint32_t n) {
  uint32_t sum = 0;
  for (uint32_t i = 0; i < n; ++i) sum = sum * 31 + p[i];
  return sum;
}

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

int main() {
  mmap((void*)X86N_MAP_BEGIN, X86N_MAP_END - X86N_MAP_BEGIN, PROT_READ | PROT_WRITE | PROT_EXEC,
       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  static char altstack[65536];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
  sigaltstack(&ss, 0);
  struct sigaction sa = {0};
  sa.sa_handler = on_sig;
  sa.sa_flags = SA_NODEFER | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, 0); sigaction(SIGFPE, &sa, 0); sigaction(SIGILL, &sa, 0);
  sigaction(SIGTRAP, &sa, 0); sigaction(SIGBUS, &sa, 0); sigaction(SIGALRM, &sa, 0);
  static char hex[2 * X86N_CODE_MAX + 2];
  unsigned dump;
  char fmt[64];
  snprintf(fmt, sizeof fmt, "%%%us %%x %%x %%x %%x %%x %%x %%x %%x %%u", 2 * X86N_CODE_MAX);
  while (scanf(fmt, hex, &g_regs[0], &g_regs[1], &g_regs[2], &g_regs[3], &g_regs[5], &g_regs[6],
               &g_regs[7], &g_flags, &dump) == 10) {
    uint8_t* data = (uint8_t*)X86N_DATA;
    uint8_t* stack = (uint8_t*)X86N_STACK_PAGE;
    for (uint32_t i = 0; i < X86N_DATA_SIZE; ++i) data[i] = X86N_DATA_BYTE(i);
    for (uint32_t i = 0; i < 0x1000; ++i) stack[i] = X86N_STACK_BYTE(i);
    uint8_t* code = (uint8_t*)X86N_CODE;
    uint32_t n = 0;
    for (char* p = hex; p[0] && p[1]; p += 2) code[n++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
    uint32_t* vars = (uint32_t*)X86N_NATIVE_VARS;
    code[n] = 0xff;  // jmp *[vars+4]
    code[n + 1] = 0x25;
    const uint32_t a = X86N_NATIVE_VARS + 4;
    memcpy(code + n + 2, &a, 4);
    vars[0] = X86N_CODE;
    vars[1] = (uint32_t)guest_done;
    int sig = sigsetjmp(g_jb, 1);
    if (sig) {
      alarm(0);
      printf(sig == SIGALRM ? "timeout\n" : "fault %d\n", sig);
    } else {
      alarm(2);
      run_guest();
      alarm(0);
      for (int i = 0; i < 8; ++i) printf("%08x ", g_out[i]);
      printf("%08x %08x %08x\n", g_outflags & X86N_FLAGS_MASK, checksum(data, X86N_DATA_SIZE),
             checksum(stack, 0x1000));
    }
    if (dump) {
      for (uint32_t i = 0; i < X86N_DATA_SIZE; ++i) printf("%02x", data[i]);
      for (uint32_t i = 0; i < 0x1000; ++i) printf("%02x", stack[i]);
      printf("\n");
    }
    fflush(stdout);
  }
  return 0;
}
