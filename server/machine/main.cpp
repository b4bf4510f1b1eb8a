// dynemu-system-i386: one emulated PC. The machine itself (CPU in system
// mode, devices, firmware) is not built yet; until then this binary says so
// instead of pretending to run anything.
#include <cstdio>
#include <cstring>

#include "generated/version.h"

int main(int argc, char** argv) {
  std::printf(
      "dynemu-system-i386 %s\n"
      "usage: dynemu-system-i386 [-m MB] [-bios FILE] [-hda FILE] [-cdrom FILE] [-boot c|d]\n"
      "                          [-kernel FILE -initrd FILE -append CMDLINE]\n"
      "                          [-serial stdio|file:PATH|null] [-display none] [-vnc :N]\n"
      "                          [-snapshot] [-accel jit|interp] [-d ITEMS]\n"
      "\n"
      "System emulation is not implemented yet (see the project's issues); this\n"
      "binary only prints its usage.\n",
      dynemu::kVersion);
  const bool asked_for_help =
      argc > 1 && (std::strcmp(argv[1], "-help") == 0 || std::strcmp(argv[1], "--help") == 0 ||
                   std::strcmp(argv[1], "-h") == 0);
  return asked_for_help ? 0 : 2;
}
