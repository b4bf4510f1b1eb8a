#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "hw/pc/board.h"
#include "server/machine/host_char.h"

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
  // serial[i]: the host end of COM(i+1), or null; input is read from it.
  MachineLoop(hw::pc::Board& board, std::vector<HostChar*> serial, std::vector<HostChar*> outputs,
              ResetPolicy policy);
  int run();

 private:
  void pump_input();
  bool input_waiting() const;
  void flush_outputs();
  void sleep_until_event();
  int64_t host_deadline() const;  // next timer, CLOCK_MONOTONIC ns (or kNever)

  hw::pc::Board& m_board;
  std::vector<HostChar*> m_serial;
  std::vector<HostChar*> m_outputs;
  ResetPolicy m_policy;
  std::vector<std::deque<uint8_t>> m_pending;  // host input the UART has not taken yet
};

}  // namespace dynemu::machine
