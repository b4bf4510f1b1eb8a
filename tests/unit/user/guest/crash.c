/* Dies by the signal named in argv[1]: "segv" (null store), "abort",
 * "fpe" (integer divide by zero); the emulator must die the same way. */
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "abort") == 0) abort();
  if (argc > 1 && strcmp(argv[1], "fpe") == 0)
    __asm__ volatile("movl $1, %%eax; xorl %%edx, %%edx; xorl %%ecx, %%ecx; divl %%ecx" ::
                         : "eax", "ecx", "edx");
  *(volatile int*)0 = 1;
  return 0;
}
