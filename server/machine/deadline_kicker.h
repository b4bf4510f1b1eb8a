#pragma once

#include <signal.h>
#include <time.h>

#include <cstdint>
#include <functional>

namespace dynemu::machine {

// Calls `kick` (Cpu::request_exit) when the host's monotonic clock reaches
// a deadline, so timers fire on time while guest code runs: the CPU thread
// cannot look at the clock itself without slowing every block down.
//
// A POSIX timer signals the thread that created the kicker (the CPU
// thread) directly: the kernel interrupts the running guest code at the
// deadline, with no helper thread that would first have to be scheduled on
// a busy host (which made timer interrupts milliseconds late, and Linux
// guests lose ticks). Between deadlines nothing runs: an idle machine costs
// no CPU. Create, use and destroy it on the CPU thread.
class DeadlineKicker {
 public:
  static constexpr int64_t kNever = INT64_MAX;

  explicit DeadlineKicker(std::function<void()> kick);
  ~DeadlineKicker();
  DeadlineKicker(const DeadlineKicker&) = delete;
  DeadlineKicker& operator=(const DeadlineKicker&) = delete;

  // The next kick, in CLOCK_MONOTONIC ns (kNever: none). Replaces the
  // previous deadline; a deadline already past kicks at once.
  void set_deadline(int64_t host_ns);

  // CLOCK_MONOTONIC now, in ns.
  static int64_t host_now();

 private:
  static void on_signal(int sig, siginfo_t* info, void* context);

  std::function<void()> m_kick;
  timer_t m_timer{};
  int m_slot = -1;
};

}  // namespace dynemu::machine
