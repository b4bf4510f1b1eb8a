#pragma once

#include <cstdint>
#include <string_view>

#include "emulator/core/result.h"

namespace dynemu {

// Items of `-d`, as in QEMU. One row per item: name and help text.
#define DYNEMU_LOG_ITEMS(X)                                    \
  X(InAsm, "in_asm", "guest instructions of each new block")   \
  X(Op, "op", "IR of each new block")                          \
  X(OutAsm, "out_asm", "host code of each new block")          \
  X(Exec, "exec", "each block executed")                       \
  X(Int, "int", "interrupts and exceptions")                   \
  X(Unimp, "unimp", "unimplemented features and system calls") \
  X(Strace, "strace", "system calls (user mode)")              \
  X(Stats, "stats", "translation statistics at exit")          \
  X(PerfMap, "perfmap", "JIT blocks in /tmp/perf-PID.map for perf")

enum class LogItem : uint32_t {
#define X(id, name, help) id,
  DYNEMU_LOG_ITEMS(X)
#undef X
};

class LogMask {
 public:
  bool has(LogItem item) const { return m_bits & bit(item); }
  void add(LogItem item) { m_bits |= bit(item); }

  // Parses a comma-separated list such as "in_asm,exec".
  static Result<LogMask> parse(std::string_view list);
  // One line per item, for -d help.
  static const char* help();

 private:
  static uint32_t bit(LogItem item) { return 1u << static_cast<uint32_t>(item); }
  uint32_t m_bits = 0;
};

}  // namespace dynemu
