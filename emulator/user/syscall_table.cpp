#include "emulator/user/syscall.h"

#include <array>

namespace dynemu::user {

namespace {

constexpr SyscallInfo kRows[] = {
#define SYSCALL(nr, name, handler) {nr, #name, handler},
#include "emulator/user/syscalls.inc"
#undef SYSCALL
};

constexpr uint32_t kMaxNumber = 512;

// Direct lookup by number, built once from the rows.
struct Table {
  std::array<const SyscallInfo*, kMaxNumber> by_number{};
  Table() {
    for (const auto& row : kRows) by_number[row.number] = &row;
  }
};
const Table kTable;

}  // namespace

const SyscallInfo* find_syscall(uint32_t number) {
  return number < kMaxNumber ? kTable.by_number[number] : nullptr;
}

const SyscallInfo* find_syscall(std::string_view name) {
  for (const auto& row : kRows)
    if (row.name == name) return &row;
  return nullptr;
}

}  // namespace dynemu::user
