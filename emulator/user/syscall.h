#pragma once

#include <cerrno>
#include <cstdint>
#include <string_view>

namespace dynemu::user {

class Process;

// The six i386 system-call arguments: EBX ECX EDX ESI EDI EBP.
struct SyscallArgs {
  uint32_t a[6];
  uint32_t operator[](int i) const { return a[i]; }
  int32_t s(int i) const { return int32_t(a[i]); }
};

// A handler returns EAX: a value, or -errno as uint32_t.
using SyscallHandler = uint32_t (*)(Process&, const SyscallArgs&);

struct SyscallInfo {
  uint32_t number;
  std::string_view name;
  SyscallHandler handler;
};

// The row for `number`, or nullptr for a system call we do not implement.
const SyscallInfo* find_syscall(uint32_t number);
// The row named `name` (tests, strace), or nullptr.
const SyscallInfo* find_syscall(std::string_view name);

inline uint32_t err(int e) {
  return uint32_t(-e);
}
// A host call's result: the value, or -errno when it failed.
inline uint32_t host_result(long r) {
  return r < 0 ? err(errno) : uint32_t(r);
}
inline bool is_error(uint32_t r) {
  return r >= uint32_t(-4095);
}

// One declaration per handler named in syscalls.inc.
#define SYSCALL(nr, name, handler) uint32_t handler(Process&, const SyscallArgs&);
#include "emulator/user/syscalls.inc"
#undef SYSCALL

}  // namespace dynemu::user
