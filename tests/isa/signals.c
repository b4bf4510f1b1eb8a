/* Synchronous signals from faulting instructions: SIGFPE (#DE from DIV, IDIV
 * overflow, AAM 0), SIGSEGV (unmapped read, write to a read-only page,
 * execute from a non-executable page, HLT and INT n in user mode, INTO,
 * BOUND, a REP MOVSB running into an unmapped page), SIGILL (UD2), SIGTRAP
 * (INT3). The handler records si_signo, si_code, si_addr and the register
 * state from the ucontext (known values set just before the fault, EIP
 * relative to the faulting instruction's label) and siglongjmps back. Then a
 * handler that edits the context and returns (rt_sigreturn), raise(), and a
 * fault with ESP on a read-only page (delivered on the sigaltstack). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "isa.h"

/* Each fault function sets every register to a known value, sets the flags
 * with its last setup instruction, then faults at <name>_at. One argument
 * (a pointer) is available in the setup as 20(%esp). */
#define FAULT_FN(name, setup, insn)                                                         \
  __asm__(".text\n.globl " #name "\n" #name                                                 \
          ":\n\t"                                                                           \
          "push %ebp\n\tpush %ebx\n\tpush %esi\n\tpush %edi\n\t"                            \
          "mov $0x11111111, %eax\n\tmov $0x22222222, %ebx\n\tmov $0x33333333, %ecx\n\t"     \
          "mov $0x44444444, %edx\n\tmov $0x55555555, %esi\n\tmov $0x66666666, %edi\n\t"     \
          "mov $0x77777777, %ebp\n\t" setup "\n.globl " #name "_at\n" #name "_at:\n\t" insn \
          "\n\tpop %edi\n\tpop %esi\n\tpop %ebx\n\tpop %ebp\n\tret\n");                     \
  void name(void* arg);                                                                     \
  extern const char name##_at[];

FAULT_FN(f_div0, "xor %ecx, %ecx\n\txor %edx, %edx\n\tmov $0x7fffffff, %esi\n\tadd $1, %esi",
         "divl %ecx")
FAULT_FN(f_div0_8, "mov $0x1234, %eax\n\tmov $0x100, %ecx\n\tcmp $0x100, %ecx", "divb %cl")
FAULT_FN(f_idiv_ovf, "mov $0x80000000, %eax\n\tmov $-1, %edx\n\tmov $-1, %ecx\n\tsub $1, %ebx",
         "idivl %ecx")
FAULT_FN(f_div_ovf, "mov $2, %edx\n\tmov $1, %ecx\n\tcmp $2, %ecx\n\tstc", "divl %ecx")
FAULT_FN(f_aam0, "mov $0x45, %eax\n\tor %eax, %eax", ".byte 0xd4, 0x00")
FAULT_FN(f_read_null, "mov $0x10, %esi\n\tsub $0x20, %edi", "movl (%esi), %eax")
FAULT_FN(f_write_ro, "mov 20(%esp), %edi\n\tadd $4, %edi\n\tinc %edx", "movl %eax, (%edi)")
FAULT_FN(f_push_ro, "mov 20(%esp), %edi\n\tlea 4096(%edi), %esp\n\tneg %ecx", "push %eax")
FAULT_FN(f_exec_nx, "mov 20(%esp), %edi\n\tdec %eax", "call *%edi")
FAULT_FN(f_ud2, "xor %eax, %eax", "ud2")
FAULT_FN(f_int3, "mov $5, %eax\n\tcmp $6, %eax", "int3")
FAULT_FN(f_hlt, "mov $-1, %eax\n\tadd $1, %eax", "hlt")
FAULT_FN(f_int40, "mov $-1, %eax\n\tinc %eax", "int $0x40")
FAULT_FN(f_into, "mov $0x7fffffff, %eax\n\tadd $1, %eax", "into")
FAULT_FN(f_bound, "mov 20(%esp), %edi\n\tmov $100, %eax\n\tcmp $7, %eax", "bound %eax, (%edi)")
FAULT_FN(f_rep_movs,
         "mov 20(%esp), %edi\n\tlea -4000(%edi), %esi\n\tmov $32, %ecx\n\tcld\n\t"
         "sub $8, %edi\n\tcmp %ecx, %ecx",
         "rep movsb")

struct fault_record {
  int signo, code;
  uint32_t addr, eip, regs[7], flags;
};
static struct fault_record rec;
static sigjmp_buf jump_back;

/* A signal handler has to reach its sigjmp_buf and record through globals:
 * the OS gives it no context pointer of ours. */
static void on_fault(int sig, siginfo_t* si, void* ctx) {
  ucontext_t* uc = ctx;
  greg_t* g = uc->uc_mcontext.gregs;
  rec.signo = sig;
  rec.code = si->si_code;
  rec.addr = (uint32_t)si->si_addr;
  rec.eip = g[REG_EIP];
  rec.regs[0] = g[REG_EAX];
  rec.regs[1] = g[REG_ECX];
  rec.regs[2] = g[REG_EDX];
  rec.regs[3] = g[REG_EBX];
  rec.regs[4] = g[REG_ESI];
  rec.regs[5] = g[REG_EDI];
  rec.regs[6] = g[REG_EBP];
  rec.flags = g[REG_EFL];
  siglongjmp(jump_back, 1);
}

/* Prints a value relative to a named base when it is near it. */
static void print_val(uint32_t v, const char* bname, uint32_t base) {
  if (base && v - base + 0x2000 < 0x4000)
    printf(" %s%+d", bname, (int)(v - base));
  else
    printf(" %08x", v);
}

static void run(const char* name, void (*fn)(void*), const char* at, void* arg, const char* bname,
                uint32_t base) {
  memset(&rec, 0, sizeof rec);
  if (sigsetjmp(jump_back, 1) == 0) {
    fn(arg);
    printf("%s: no fault\n", name);
    return;
  }
  printf("%s: sig %d code %d addr", name, rec.signo, rec.code);
  if (rec.addr == 0 || rec.addr < 0x1000)
    printf(" %08x", rec.addr);
  else if (rec.addr - (uint32_t)at + 16 < 64)
    printf(" at%+d", (int)(rec.addr - (uint32_t)at));
  else
    print_val(rec.addr, bname, base);
  if (rec.eip - (uint32_t)at + 16 < 64)
    printf(" eip at%+d regs", (int)(rec.eip - (uint32_t)at));
  else
    print_val(rec.eip, bname, base), printf(" regs");
  for (int i = 0; i < 7; i++) print_val(rec.regs[i], bname, base);
  printf(" f%03x\n", rec.flags & FL_ARITH);
}

/* A handler that resumes: skip the 2-byte UD2 and set EAX in the context. */
static void on_ill_resume(int sig, siginfo_t* si, void* ctx) {
  ucontext_t* uc = ctx;
  uc->uc_mcontext.gregs[REG_EIP] += 2;
  uc->uc_mcontext.gregs[REG_EAX] = 0x600dd00d;
  uc->uc_mcontext.gregs[REG_EFL] |= FL_CF;
}
static int got_usr1, usr1_code, usr1_pid_ok;
static void on_usr1(int sig, siginfo_t* si, void* ctx) {
  got_usr1++;
  usr1_code = si->si_code;
  usr1_pid_ok = si->si_pid == getpid();
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGFPE, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);
  sigaction(SIGTRAP, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);

  uint8_t* pages = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED) return 1;
  memset(pages, 0xc3, 3 * 4096);           /* ret everywhere: the NX page would just return */
  mprotect(pages + 4096, 4096, PROT_READ); /* read-only, not executable */
  mprotect(pages + 8192, 4096, PROT_NONE); /* guard */
  uint32_t base = (uint32_t)pages;
  static int32_t bounds[2] = {0, 10};

  run("div0", f_div0, f_div0_at, NULL, "", 0);
  run("div0_8", f_div0_8, f_div0_8_at, NULL, "", 0);
  run("idiv_ovf", f_idiv_ovf, f_idiv_ovf_at, NULL, "", 0);
  run("div_ovf", f_div_ovf, f_div_ovf_at, NULL, "", 0);
  run("aam0", f_aam0, f_aam0_at, NULL, "", 0);
  run("read_null", f_read_null, f_read_null_at, NULL, "", 0);
  run("write_ro", f_write_ro, f_write_ro_at, pages + 4096, "page", base);
  /* A fault with ESP on a read-only page needs the alternate signal stack. */
  static uint8_t altstack[16384];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, NULL);
  run("push_ro", f_push_ro, f_push_ro_at, pages + 4096, "page", base);
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  run("exec_nx", f_exec_nx, f_exec_nx_at, pages + 4096, "page", base);
  run("ud2", f_ud2, f_ud2_at, NULL, "", 0);
  run("int3", f_int3, f_int3_at, NULL, "", 0);
  run("hlt", f_hlt, f_hlt_at, NULL, "", 0);
  run("int40", f_int40, f_int40_at, NULL, "", 0);
  run("into", f_into, f_into_at, NULL, "", 0);
  run("bound", f_bound, f_bound_at, bounds, "bounds", (uint32_t)bounds);
  for (int i = 0; i < 4096; i++) pages[i] = (uint8_t)i;
  /* Copies 8 bytes to the end of the writable page, then faults on the
   * read-only one: ECX, ESI and EDI show the progress. */
  run("rep_movsb", f_rep_movs, f_rep_movs_at, pages + 4096, "page", base);
  printf("rep_movsb copied:");
  for (int i = 4096 - 9; i < 4096; i++) printf(" %02x", pages[i]);
  printf("\n");

  /* Handler that returns into a modified context. */
  sa.sa_sigaction = on_ill_resume;
  sigaction(SIGILL, &sa, NULL);
  uint32_t eax = 0, fl;
  __asm__ volatile("clc\n\tud2\n\tpushf\n\tpop %1" : "+a"(eax), "=r"(fl)::"cc");
  printf("resume after ud2: eax %08x cf %u\n", eax, fl & FL_CF);

  /* A signal sent to ourselves. */
  sa.sa_sigaction = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  printf("raise SIGUSR1: handled %d code %d pid ok %d\n", got_usr1, usr1_code, usr1_pid_ok);
  /* Blocked, then unblocked: delivered at sigprocmask. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  raise(SIGUSR1);
  printf("while blocked: handled %d\n", got_usr1);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  printf("after unblock: handled %d\n", got_usr1);
  return 0;
}
