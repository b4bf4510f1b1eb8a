#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

#include "hw/pc/board.h"

namespace dynemu::machine {

// What to do when the guest resets the machine or its CPU shuts down
// (triple fault).
enum class ResetPolicy : uint8_t { Reset, Stop };

class DeadlineKicker;

// What the loop did, for -d stats: an idle guest should cost one sleep and
// two timer_settime calls (disarm to sleep, arm to run) per timer interrupt.
struct LoopStats {
  uint64_t runs = 0;         // Cpu::run() calls
  uint64_t sleeps = 0;       // ppoll waits of a halted CPU
  uint64_t idle_wakes = 0;   // sleeps that ended with nothing to do (slept again)
  uint64_t input_polls = 0;  // polls of the serial inputs outside sleeps
  uint64_t kicker_arms = 0;  // timer_settime calls
};

// Runs one board until the guest asks to exit (isa-debug-exit), or, with
// ResetPolicy::Stop, until it resets or triple-faults. Returns the process
// exit status. Timers fire on time while guest code runs (a POSIX timer
// interrupts the CPU at the next deadline); a halted CPU blocks in ppoll
// until the next timer or host input, costing no host CPU.
class MachineLoop {
 public:
  MachineLoop(hw::pc::Board& board, ResetPolicy policy, bool print_stats = false)
      : m_board(board), m_policy(policy), m_print_stats(print_stats) {}
  int run();
  // Makes run() return `status` at the next block boundary. Callable from
  // the machine's thread (device callbacks); from another thread use a
  // control channel instead (later: the control socket).
  void stop(int status);
  // Async-signal-safe: run() returns 0 soon, saying which signal ended it
  // (QEMU's "terminating on signal N").
  void stop_from_signal(int signal);
  const LoopStats& stats() const { return m_stats; }

 private:
  int loop(DeadlineKicker& kicker);
  void pump_input();
  bool has_input() const;
  void sleep_until_event(DeadlineKicker& kicker);
  int64_t host_deadline() const;  // next timer, CLOCK_MONOTONIC ns (or kNever)
  int64_t kick_target() const;    // when a running CPU must be interrupted
  bool reset_board();
  void print_stats() const;

  hw::pc::Board& m_board;
  ResetPolicy m_policy;
  bool m_print_stats;
  std::optional<int> m_stop;
  std::atomic<int> m_signal{0};
  // In ppoll: the kick signal (handled on this thread) only wakes the loop.
  std::atomic<bool> m_sleeping{false};
  // Host input is looked at when a sleep saw some, and otherwise at most
  // every kInputPollNs while the CPU runs (CLOCK_MONOTONIC ns).
  bool m_input_ready = false;
  int64_t m_next_input_poll = 0;
  LoopStats m_stats;
};

}  // namespace dynemu::machine
