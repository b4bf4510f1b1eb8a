#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace dynemu::machine {

// A helper thread that calls `kick` (Cpu::request_exit) when the host's
// monotonic clock reaches a deadline, so timers fire on time while guest
// code runs: the CPU thread cannot look at the clock itself without slowing
// every block down. It sleeps on a condition variable in between, so an idle
// machine costs no CPU.
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
  void loop();

  std::function<void()> m_kick;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  int64_t m_deadline = kNever;
  bool m_stop = false;
  std::thread m_thread;  // last: starts after the fields it reads
};

}  // namespace dynemu::machine
