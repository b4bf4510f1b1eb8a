#include "server/machine/machine_loop.h"

#include <poll.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "server/machine/deadline_kicker.h"

namespace dynemu::machine {

namespace {

// While host input may arrive, the CPU is interrupted at least this often
// to look for it (a guest spinning without timers still gets its keys).
constexpr int64_t kInputPollNs = 10'000'000;
// A halted guest whose UART was full looks again this soon.
constexpr int64_t kRetryInputNs = 1'000'000;

}  // namespace

MachineLoop::MachineLoop(hw::pc::Board& board, std::vector<HostChar*> serial,
                         std::vector<HostChar*> outputs, ResetPolicy policy)
    : m_board(board),
      m_serial(std::move(serial)),
      m_outputs(std::move(outputs)),
      m_policy(policy),
      m_pending(m_serial.size()) {}

int64_t MachineLoop::host_deadline() const {
  const int64_t next = m_board.scheduler().next_deadline();
  if (next == INT64_MAX) return DeadlineKicker::kNever;
  return DeadlineKicker::host_now() + std::max<int64_t>(0, next - m_board.scheduler().now());
}

bool MachineLoop::input_waiting() const {
  for (HostChar* c : m_serial)
    if (c && c->input_fd() >= 0) return true;
  return false;
}

// Moves host input into the UARTs, as much as their FIFOs take; reads more
// from the host only when nothing is left over.
void MachineLoop::pump_input() {
  for (size_t i = 0; i < m_serial.size(); ++i) {
    HostChar* c = m_serial[i];
    if (!c) continue;
    std::deque<uint8_t>& pending = m_pending[i];
    if (pending.empty() && c->input_fd() >= 0) {
      pollfd p{c->input_fd(), POLLIN, 0};
      if (poll(&p, 1, 0) > 0) {
        uint8_t buf[256];
        const size_t n = c->read_input(buf, sizeof buf);
        pending.insert(pending.end(), buf, buf + n);
      }
    }
    while (!pending.empty()) {
      uint8_t chunk[64];
      const size_t n = std::min(pending.size(), sizeof chunk);
      std::copy_n(pending.begin(), n, chunk);
      const size_t taken = m_board.serial_input(int(i), std::span(chunk, n));
      pending.erase(pending.begin(), pending.begin() + ptrdiff_t(taken));
      if (taken < n) break;
    }
  }
}

void MachineLoop::flush_outputs() {
  for (HostChar* c : m_outputs)
    if (c) c->flush();
}

// A halted CPU: block until the next timer deadline or host input.
void MachineLoop::sleep_until_event() {
  flush_outputs();
  std::vector<pollfd> fds;
  bool retry = false;
  for (size_t i = 0; i < m_serial.size(); ++i) {
    if (!m_serial[i]) continue;
    if (!m_pending[i].empty())
      retry = true;
    else if (m_serial[i]->input_fd() >= 0)
      fds.push_back(pollfd{m_serial[i]->input_fd(), POLLIN, 0});
  }
  int64_t deadline = host_deadline();
  if (retry) deadline = std::min(deadline, DeadlineKicker::host_now() + kRetryInputNs);
  timespec ts{};
  timespec* timeout = nullptr;
  if (deadline != DeadlineKicker::kNever) {
    const int64_t wait = std::max<int64_t>(0, deadline - DeadlineKicker::host_now());
    ts.tv_sec = wait / 1'000'000'000;
    ts.tv_nsec = wait % 1'000'000'000;
    timeout = &ts;
  }
  if (fds.empty() && !timeout) {
    // Halted with interrupts off and nothing that could wake it: the guest
    // has stopped for good (Linux's halt, a panic). Wait for a signal.
    ts.tv_sec = 3600;
    timeout = &ts;
  }
  ppoll(fds.data(), fds.size(), timeout, nullptr);
}

int MachineLoop::run() {
  exec::Cpu& cpu = m_board.cpu();
  hw::Scheduler& sched = m_board.scheduler();
  DeadlineKicker kicker([&cpu] { cpu.request_exit(); });
  const bool has_input = input_waiting();
  auto next_kick = [&] {
    int64_t d = host_deadline();
    if (has_input) d = std::min(d, DeadlineKicker::host_now() + kInputPollNs);
    return d;
  };
  // A device arming an earlier timer while guest code runs moves the kick.
  sched.set_deadline_listener([&] { kicker.set_deadline(next_kick()); });
  struct ListenerGuard {  // the listener refers to the kicker: drop it first
    hw::Scheduler& s;
    ~ListenerGuard() { s.set_deadline_listener({}); }
  } listener_guard{sched};

  bool halted = false;
  for (;;) {
    sched.run_due();
    pump_input();
    if (auto status = m_board.exit_requested()) {
      flush_outputs();
      return *status;
    }
    if (m_board.reset_requested()) {
      if (m_policy == ResetPolicy::Stop) {
        flush_outputs();
        std::fprintf(stderr,
                     "dynemu-system-i386: the guest reset the machine; stopping (-no-reboot)\n");
        return 0;
      }
      if (auto r = m_board.reset(); !r) {
        std::fprintf(stderr, "dynemu-system-i386: reset failed: %s\n", r.error().message.c_str());
        return 1;
      }
      halted = false;
    }
    if (halted) {
      if (m_board.interrupt_pending() && (cpu.state().eflags & x86::kIF)) {
        halted = false;
      } else {
        sleep_until_event();
        continue;
      }
    }
    kicker.set_deadline(next_kick());
    const exec::CpuExit exit = cpu.run();
    switch (exit.kind) {
      case exec::ExitKind::Halt: halted = true; break;
      case exec::ExitKind::Request: break;
      case exec::ExitKind::Shutdown: {
        flush_outputs();
        const x86::CpuState& s = cpu.state();
        std::fprintf(
            stderr,
            "dynemu-system-i386: triple fault (CPU shutdown) at CS:EIP %04x:%08" PRIx32 "; %s\n",
            s.seg[x86::kCs].selector, s.eip,
            m_policy == ResetPolicy::Stop ? "stopping (-no-reboot)" : "resetting the machine");
        if (m_policy == ResetPolicy::Stop) return 0;
        if (auto r = m_board.reset(); !r) {
          std::fprintf(stderr, "dynemu-system-i386: reset failed: %s\n", r.error().message.c_str());
          return 1;
        }
        halted = false;
        break;
      }
      default:
        flush_outputs();
        std::fprintf(stderr,
                     "dynemu-system-i386: internal error: the CPU stopped with exit kind %d "
                     "(vector %d) at EIP %08" PRIx32 "\n",
                     int(exit.kind), int(exit.vector), cpu.state().eip);
        return 1;
    }
  }
}

}  // namespace dynemu::machine
