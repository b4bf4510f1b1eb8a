/* Prints offsets and sizes of the kernel's i386 structures, built with
 * gcc -m32 so the headers take their i386 form, and the layout of a real
 * signal frame as this host's kernel builds it. user_abi_test compares
 * them with emulator/user/i386_abi.h. */
#define _GNU_SOURCE
/* glibc's <signal.h> brings the kernel's struct sigcontext; the kernel's
 * ucontext follows it (its uc_sigmask offset does not depend on the
 * sigset_t size). */
#include <signal.h>
#include <asm/ldt.h>
#include <asm/stat.h>
#include <asm/ucontext.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define OFF(type, field) printf("%s.%s %u\n", #type, #field, (unsigned)offsetof(struct type, field))
#define SIZE(type) printf("%s %u\n", #type, (unsigned)sizeof(struct type))

static void on_signal(int sig, siginfo_t* si, void* uc) {
  /* The handler's arguments live in the frame: sig at frame+4. */
  char* frame = (char*)&sig - 4;
  printf("rt_sigframe.info %u\n", (unsigned)((char*)si - frame));
  printf("rt_sigframe.uc %u\n", (unsigned)((char*)uc - frame));
  printf("rt_sigframe.align %u\n", (unsigned)(((unsigned long)frame + 4) & 15));
}

int main(void) {
  SIZE(stat64);
  OFF(stat64, st_size);
  OFF(stat64, st_blocks);
  OFF(stat64, st_ino);
  OFF(stat64, st_mtime_nsec);
  SIZE(stat);
  OFF(stat, st_size);
  SIZE(sigcontext);
  OFF(sigcontext, eip);
  OFF(sigcontext, eflags);
  OFF(sigcontext, fpstate);
  OFF(sigcontext, cr2);
  SIZE(ucontext);
  OFF(ucontext, uc_mcontext);
  OFF(ucontext, uc_sigmask);
  SIZE(user_desc);
  printf("siginfo %u\n", (unsigned)sizeof(siginfo_t));
  printf("siginfo.si_addr %u\n", (unsigned)offsetof(siginfo_t, si_addr));
  printf("siginfo.si_pid %u\n", (unsigned)offsetof(siginfo_t, si_pid));
  printf("siginfo.si_status %u\n", (unsigned)offsetof(siginfo_t, si_status));
  printf("stack_t %u\n", (unsigned)sizeof(stack_t));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  return 0;
}
