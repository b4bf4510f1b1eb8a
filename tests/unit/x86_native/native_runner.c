// The native side of x86_native_diff_test, built with gcc -m32: runs guest
// code snippets on this CPU. Reads lines "hexbytes eax ecx edx ebx ebp esi
// edi eflags"; for each, fills the data page at 0x20000, loads the
// registers (ESP = 0x40000) and EFLAGS, runs the bytes at 0x30000 and prints
// "eax ecx edx ebx esp ebp esi edi eflags&0xcd5 checksum-of-data" or
// "fault SIGNAL". The emulator side does the same in the test.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
uint32_t g_regs[8], g_flags, g_out[8], g_outflags, g_saved_esp;
static sigjmp_buf g_jb;
static void on_sig(int sig) { siglongjmp(g_jb, sig); }
extern void run_guest(void);
__asm__(
    ".globl run_guest\n run_guest:\n"
    " pusha\n mov %esp, g_saved_esp\n"
    " mov $0x40000, %esp\n push g_flags\n popf\n"
    " mov g_regs+0, %eax\n mov g_regs+4, %ecx\n mov g_regs+8, %edx\n mov g_regs+12, %ebx\n"
    " mov g_regs+20, %ebp\n mov g_regs+24, %esi\n mov g_regs+28, %edi\n"
    " jmp *0x3ff00\n"
    ".globl guest_done\n guest_done:\n"
    " mov %eax, g_out+0\n mov %ecx, g_out+4\n mov %edx, g_out+8\n mov %ebx, g_out+12\n"
    " mov %esp, g_out+16\n mov %ebp, g_out+20\n mov %esi, g_out+24\n mov %edi, g_out+28\n"
    " pushf\n pop g_outflags\n cld\n"
    " mov g_saved_esp, %esp\n popa\n ret\n");
extern char guest_done[];
int main() {
  mmap((void*)0x20000, 0x30000, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  static char altstack[65536];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
  sigaltstack(&ss, 0);
  struct sigaction sa = {0};
  sa.sa_handler = on_sig;
  sa.sa_flags = SA_NODEFER | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, 0); sigaction(SIGFPE, &sa, 0); sigaction(SIGILL, &sa, 0); sigaction(SIGTRAP, &sa, 0); sigaction(SIGBUS, &sa, 0);
  char hex[64];
  while (scanf("%63s %x %x %x %x %x %x %x %x", hex, &g_regs[0], &g_regs[1], &g_regs[2], &g_regs[3], &g_regs[5], &g_regs[6], &g_regs[7], &g_flags) == 9) {
    uint8_t* data = (uint8_t*)0x20000;
    for (int i = 0; i < 0x1000; ++i) data[i] = (uint8_t)(i * 37 + 11);
    uint8_t* code = (uint8_t*)0x30000;
    int n = 0;
    for (char* p = hex; p[0] && p[1]; p += 2) { unsigned v; sscanf(p, "%2x", &v); code[n++] = v; }
    code[n] = 0xff; code[n + 1] = 0x25; uint32_t a = 0x3ff04; memcpy(code + n + 2, &a, 4);  // jmp *[0x3ff04]
    *(uint32_t*)0x3ff00 = 0x30000; *(uint32_t*)0x3ff04 = (uint32_t)guest_done;
    int sig = sigsetjmp(g_jb, 1);
    if (sig) { printf("fault %d\n", sig); fflush(stdout); continue; }
    run_guest();
    uint32_t sum = 0;
    for (int i = 0; i < 0x1000; ++i) sum = sum * 31 + data[i];
    for (int i = 0; i < 8; ++i) printf("%08x ", g_out[i]);
    printf("%08x %08x\n", g_outflags & 0xcd5, sum);
    fflush(stdout);
  }
}
