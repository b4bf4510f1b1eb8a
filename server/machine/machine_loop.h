#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

#include "hw/pc/board.h"

namespace dynemu::machine {

// What to do when the guest resets the machine or its CPU shuts down
// (triple fault).
enum class ResetPolicy : uint8_t { Reset, Stop };

// Runs one board until the guest asks to exit (isa-debug-exit), or, with
// ResetPolicy::Stop, until it resets or triple-faults. Returns the process
// exit status. Timers fire on time while guest code runs (a helper thread
// interrupts the CPU at the next deadline); a halted CPU blocks in ppoll
// until the next timer or host input, costing no host CPU.
class MachineLoop {
 public:
  MachineLoop(hw::pc::Board& board, ResetPolicy policy) : m_board(board), m_policy(policy) {}
  int run();
  // Makes run() return `status` at the next block boundary. Callable from
  // the machine's thread (device callbacks); from another thread use a
  // control channel instead (later: the control socket).
  void stop(int status);
  // Async-signal-safe: run() returns 0 soon, saying which signal ended it
  // (QEMU's "terminating on signal N").
  void stop_from_signal(int signal);

 private:
  void pump_input();
  bool has_input() const;
  void sleep_until_event();
  int64_t host_deadline() const;  // next timer, CLOCK_MONOTONIC ns (or kNever)
  bool reset_board();

  hw::pc::Board& m_board;
  ResetPolicy m_policy;
  std::optional<int> m_stop;
  std::atomic<int> m_signal{0};
};

}  // namespace dynemu::machine
