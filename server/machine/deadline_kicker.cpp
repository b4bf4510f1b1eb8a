#include "server/machine/deadline_kicker.h"

#include <time.h>

#include <chrono>

namespace dynemu::machine {

DeadlineKicker::DeadlineKicker(std::function<void()> kick)
    : m_kick(std::move(kick)), m_thread([this] { loop(); }) {}

DeadlineKicker::~DeadlineKicker() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_cv.notify_one();
  m_thread.join();
}

int64_t DeadlineKicker::host_now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void DeadlineKicker::set_deadline(int64_t host_ns) {
  {
    std::lock_guard lock(m_mutex);
    if (host_ns == m_deadline) return;
    const bool earlier = host_ns < m_deadline;
    m_deadline = host_ns;
    // A later deadline needs no wake-up: the thread finds it when it wakes
    // for the old one and goes back to sleep.
    if (!earlier) return;
  }
  m_cv.notify_one();
}

void DeadlineKicker::loop() {
  std::unique_lock lock(m_mutex);
  while (!m_stop) {
    if (m_deadline == kNever) {
      m_cv.wait(lock);
      continue;
    }
    const int64_t now = host_now();
    if (now < m_deadline) {
      // libstdc++ waits on CLOCK_MONOTONIC for steady_clock.
      const auto until =
          std::chrono::steady_clock::time_point(std::chrono::nanoseconds(m_deadline));
      m_cv.wait_until(lock, until);
      continue;
    }
    m_deadline = kNever;
    lock.unlock();
    m_kick();
    lock.lock();
  }
}

}  // namespace dynemu::machine
