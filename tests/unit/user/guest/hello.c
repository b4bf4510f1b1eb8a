/* A small i386 program the loader tests load (static, dynamic and PIE). */
#include <stdio.h>

int main(int argc, char** argv) {
  printf("hello from %s (%d args)\n", argv[0], argc);
  return 0;
}
