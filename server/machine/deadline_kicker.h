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

  // After each kick, kick again every `ns` (0: not again) until re-armed:
  // the loop's host-input polls then cost no timer_settime of their own.
  // Takes effect at the next arming.
  void set_repeat(int64_t ns) { m_repeat = ns; }

  // Makes the next kick come at host_ns exactly (kNever: none). A deadline
  // already past kicks at once.
  void set_deadline(int64_t host_ns);
  // Makes a kick come no later than host_ns, re-arming the timer only if the
  // next one would come later (an earlier kick costs the caller one spare
  // loop turn; a timer_settime costs microseconds, several per guest tick).
  void kick_by(int64_t host_ns) {
    if (next_kick() > host_ns) set_deadline(host_ns);
  }
  // When the next kick comes (kNever: none), from what was armed.
  int64_t next_kick() const;
  // timer_settime calls so far (-d stats).
  uint64_t arms() const { return m_arms; }

  // CLOCK_MONOTONIC now, in ns.
  static int64_t host_now();

 private:
  static void on_signal(int sig, siginfo_t* info, void* context);

  std::function<void()> m_kick;
  timer_t m_timer{};
  int64_t m_at = kNever;  // first kick of the armed timer
  int64_t m_every = 0;    // its interval (0: one kick)
  int64_t m_repeat = 0;   // the interval of the next arming
  uint64_t m_arms = 0;
  int m_slot = -1;
};

}  // namespace dynemu::machine
