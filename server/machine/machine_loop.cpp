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
constexpr int kSerialPorts = 2;

}  // namespace

int64_t MachineLoop::host_deadline() const {
  const hw::Scheduler& sched = m_board.scheduler();
  const int64_t next = sched.next_deadline();
  if (next == INT64_MAX) return DeadlineKicker::kNever;
  if (const int64_t host = sched.host_time_of(next); host != INT64_MAX) return host;
  // Virtual time does not follow the host clock: look again soon enough.
  return DeadlineKicker::host_now() + std::max<int64_t>(0, next - sched.now());
}

int64_t MachineLoop::kick_target() const {
  const int64_t deadline = host_deadline();
  return has_input() ? std::min(deadline, m_next_input_poll) : deadline;
}

bool MachineLoop::has_input() const {
  for (int i = 0; i < kSerialPorts; ++i)
    if (m_board.serial_input_fd(i) >= 0) return true;
  return false;
}

// Moves host input into the UARTs while their FIFOs have room.
void MachineLoop::pump_input() {
  ++m_stats.input_polls;
  for (int i = 0; i < kSerialPorts; ++i) {
    const int fd = m_board.serial_input_fd(i);
    if (fd < 0) continue;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 0) > 0) m_board.pump_serial(i);
  }
  m_input_ready = false;
  m_next_input_poll = DeadlineKicker::host_now() + kInputPollNs;
}

// A halted CPU: block until the next timer deadline or host input. A UART
// whose FIFO is full is not polled: the guest has its interrupt and will
// run (and drain it) first.
void MachineLoop::sleep_until_event(DeadlineKicker& kicker) {
  pollfd fds[kSerialPorts];
  nfds_t n = 0;
  for (int i = 0; i < kSerialPorts; ++i)
    if (const int fd = m_board.serial_input_fd(i); fd >= 0) fds[n++] = pollfd{fd, POLLIN, 0};
  const int64_t deadline = host_deadline();
  // Kicks are for a running CPU. One due during the sleep (the usual case:
  // the guest armed its next tick, at this deadline, while running) would
  // only end the same ppoll with a signal, whose frame (the whole FPU
  // state) and rt_sigreturn cost more than disarming now and arming again
  // when the CPU runs: an idle guest costs ~8% less.
  if (kicker.next_kick() != DeadlineKicker::kNever) kicker.set_deadline(DeadlineKicker::kNever);
  timespec ts{};
  if (deadline != DeadlineKicker::kNever) {
    const int64_t wait = std::max<int64_t>(0, deadline - DeadlineKicker::host_now());
    ts.tv_sec = wait / 1'000'000'000;
    ts.tv_nsec = wait % 1'000'000'000;
  } else {
    // Nothing can wake the CPU but host input (or nothing at all: a guest
    // halted with interrupts off, Linux's halt or a panic). Sleep long.
    ts.tv_sec = 3600;
  }
  ++m_stats.sleeps;
  m_sleeping.store(true, std::memory_order_relaxed);
  const int ready = ppoll(fds, n, &ts, nullptr);
  m_sleeping.store(false, std::memory_order_relaxed);
  if (ready > 0) m_input_ready = true;
  // ppoll watched every input that has room: the next look is due later.
  m_next_input_poll = DeadlineKicker::host_now() + kInputPollNs;
}

void MachineLoop::stop(int status) {
  m_stop = status;
  m_board.cpu().request_exit();
}

void MachineLoop::stop_from_signal(int signal) {
  m_signal.store(signal, std::memory_order_relaxed);
  m_board.cpu().request_exit();
}

bool MachineLoop::reset_board() {
  if (auto r = m_board.reset(); !r) {
    std::fprintf(stderr, "dynemu-system-i386: reset failed: %s\n", r.error().message.c_str());
    return false;
  }
  return true;
}

void MachineLoop::print_stats() const {
  std::fprintf(stderr,
               "stats: machine: cpu runs %" PRIu64 ", sleeps %" PRIu64 " (%" PRIu64
               " woke to nothing), input polls %" PRIu64 ", kick timer arms %" PRIu64 "\n",
               m_stats.runs, m_stats.sleeps, m_stats.idle_wakes, m_stats.input_polls,
               m_stats.kicker_arms);
}

int MachineLoop::run() {
  exec::Cpu& cpu = m_board.cpu();
  hw::Scheduler& sched = m_board.scheduler();
  // A kick that ends a sleep has done its job: the CPU is not running, and
  // an exit request would only make its next run return at once.
  DeadlineKicker kicker([this, &cpu] {
    if (!m_sleeping.load(std::memory_order_relaxed)) cpu.request_exit();
  });
  kicker.set_repeat(has_input() ? kInputPollNs : 0);
  m_next_input_poll = DeadlineKicker::host_now() + kInputPollNs;
  // A device arming an earlier timer while guest code runs moves the kick.
  sched.set_deadline_listener([&] { kicker.kick_by(kick_target()); });
  struct ListenerGuard {  // the listener refers to the kicker: drop it first
    hw::Scheduler& s;
    ~ListenerGuard() { s.set_deadline_listener({}); }
  } listener_guard{sched};
  const int status = loop(kicker);
  m_stats.kicker_arms = kicker.arms();
  if (m_print_stats) print_stats();
  return status;
}

int MachineLoop::loop(DeadlineKicker& kicker) {
  exec::Cpu& cpu = m_board.cpu();
  hw::Scheduler& sched = m_board.scheduler();
  bool halted = false;
  bool slept = false;
  for (;;) {
    sched.run_due();
    if (m_input_ready || (DeadlineKicker::host_now() >= m_next_input_poll && has_input()))
      pump_input();
    if (auto status = m_board.exit_requested()) return *status;
    if (m_stop) return *m_stop;
    if (const int sig = m_signal.load(std::memory_order_relaxed)) {
      std::fprintf(stderr, "dynemu-system-i386: terminating on signal %d\n", sig);
      return 0;
    }
    if (m_board.reset_requested()) {
      if (m_policy == ResetPolicy::Stop) {
        std::fprintf(stderr,
                     "dynemu-system-i386: the guest reset the machine; stopping (-no-reboot)\n");
        return 0;
      }
      if (!reset_board()) return 1;
      halted = false;
    }
    if (halted) {
      if (m_board.interrupt_pending() && (cpu.state().eflags & x86::kIF)) {
        halted = false;
      } else {
        if (slept) ++m_stats.idle_wakes;
        sleep_until_event(kicker);
        slept = true;
        continue;
      }
    }
    slept = false;
    kicker.kick_by(kick_target());
    ++m_stats.runs;
    const exec::CpuExit exit = cpu.run();
    switch (exit.kind) {
      case exec::ExitKind::Halt: halted = true; break;
      case exec::ExitKind::Request: break;
      case exec::ExitKind::Shutdown: {
        const x86::CpuState& s = cpu.state();
        std::fprintf(
            stderr,
            "dynemu-system-i386: triple fault (CPU shutdown) at CS:EIP %04x:%08" PRIx32 "; %s\n",
            s.seg[x86::kCs].selector, s.eip,
            m_policy == ResetPolicy::Stop ? "stopping (-no-reboot)" : "resetting the machine");
        if (m_policy == ResetPolicy::Stop) return 0;
        if (!reset_board()) return 1;
        halted = false;
        break;
      }
      default:
        std::fprintf(stderr,
                     "dynemu-system-i386: internal error: the CPU stopped with exit kind %d "
                     "(vector %d) at EIP %08" PRIx32 "\n",
                     int(exit.kind), int(exit.vector), cpu.state().eip);
        return 1;
    }
  }
}

}  // namespace dynemu::machine
