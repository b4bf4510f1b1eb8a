#pragma once

#include <sys/stat.h>
#include <termios.h>

#include "emulator/user/i386_abi.h"

// Host <-> i386 structure conversions that are worth testing on their own.
namespace dynemu::user {

abi::Stat64 to_stat64(const struct stat& st);
// The old struct stat: -EOVERFLOW when a value does not fit, else 0.
int to_old_stat(const struct stat& st, abi::OldStat& out);

}  // namespace dynemu::user
