/* Process-level system calls: argv/envp/auxv as the program sees them,
 * getpid/getppid consistency, fork + waitpid exit status and signal status,
 * pipes between processes, clock_gettime/gettimeofday/time monotonicity,
 * nanosleep, uname (sysname only), getrlimit, sched_yield, kill to self,
 * exit codes through _exit. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv, char** envp) {
  printf("argc %d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d] '%s'\n", i, argv[i]);
  printf("argv[argc] null %d\n", argv[argc] == NULL);
  const char* v = getenv("DYNEMU_TEST_VAR");
  printf("env DYNEMU_TEST_VAR %s\n", v ? v : "(unset)");
  int nenv = 0;
  for (char** e = envp; *e; e++) nenv++;
  printf("envp non-empty %d\n", nenv > 0);
  printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
  printf("AT_RANDOM set %d\n", getauxval(AT_RANDOM) != 0);
  printf("AT_PHDR set %d AT_ENTRY set %d\n", getauxval(AT_PHDR) != 0, getauxval(AT_ENTRY) != 0);
  printf("AT_UID==getuid %d\n", getauxval(AT_UID) == getuid());
  printf("pid positive %d, getpid stable %d\n", getpid() > 0, getpid() == getpid());

  struct utsname u;
  uname(&u);
  printf("uname sysname %s\n", u.sysname);

  struct timespec t1, t2;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  struct timespec nap = {0, 2000000};
  nanosleep(&nap, NULL);
  clock_gettime(CLOCK_MONOTONIC, &t2);
  long long dt = (t2.tv_sec - t1.tv_sec) * 1000000000LL + (t2.tv_nsec - t1.tv_nsec);
  printf("monotonic advanced >= 2ms over nanosleep: %d\n", dt >= 2000000);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  time_t now = time(NULL);
  printf("gettimeofday and time agree: %d\n", tv.tv_sec - now <= 1 && now - tv.tv_sec <= 1);
  printf("realtime after 2020: %d\n", now > 1577836800);
  struct timespec res;
  clock_getres(CLOCK_MONOTONIC, &res);
  printf("clock_getres ok %d\n", res.tv_sec == 0 && res.tv_nsec > 0);

  struct rlimit rl;
  printf("getrlimit stack %d\n", getrlimit(RLIMIT_STACK, &rl));
  printf("sched_yield %d\n", sched_yield());

  /* fork + pipe + waitpid. */
  int p[2];
  pipe(p);
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    close(p[0]);
    char msg[64];
    int n = snprintf(msg, sizeof msg, "child sees parent %d", getppid() > 1);
    write(p[1], msg, n);
    _exit(42);
  }
  close(p[1]);
  char buf[64] = {0};
  read(p[0], buf, sizeof buf - 1);
  int status;
  pid_t w = waitpid(child, &status, 0);
  printf("from child: '%s'\n", buf);
  printf("waitpid right pid %d exited %d code %d\n", w == child, WIFEXITED(status),
         WEXITSTATUS(status));
  /* A child killed by a signal. */
  fflush(stdout);
  child = fork();
  if (child == 0) {
    raise(SIGTERM);
    _exit(0);
  }
  waitpid(child, &status, 0);
  printf("signalled %d sig %d\n", WIFSIGNALED(status), WTERMSIG(status));
  /* A child that faults. */
  fflush(stdout);
  child = fork();
  if (child == 0) {
    volatile int* bad = (volatile int*)(uintptr_t)(getpid() & 0); /* NULL, opaque to GCC */
    *bad = 1;
    _exit(0);
  }
  waitpid(child, &status, 0);
  printf("faulting child: signalled %d sig %d\n", WIFSIGNALED(status), WTERMSIG(status));
  /* Several children, reaped in any order: print sorted exit codes. */
  int codes[5] = {0};
  fflush(stdout);
  for (int i = 0; i < 5; i++)
    if (fork() == 0) _exit(10 + i);
  for (int i = 0; i < 5; i++) {
    wait(&status);
    codes[WEXITSTATUS(status) - 10]++;
  }
  printf("reaped:");
  for (int i = 0; i < 5; i++) printf(" %d", codes[i]);
  printf("\n");
  printf("wait with no children: %d\n", wait(&status));
  fflush(stdout);
  return 7;
}
