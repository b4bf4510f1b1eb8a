#include "hw/core/scheduler.h"

#include <time.h>

#include <algorithm>
#include <cassert>
#include <climits>

namespace dynemu::hw {

Scheduler::Timer::~Timer() {
  if (!m_sched) return;
  auto& v = m_sched->m_timers;
  v.erase(std::find(v.begin(), v.end(), this));
}

void Scheduler::Timer::arm(int64_t deadline_ns) {
  m_deadline = deadline_ns;
  m_armed = true;
  if (m_sched) {
    m_seq = m_sched->m_next_seq++;
    m_sched->armed_timer(this);
  }
}

void Scheduler::Timer::cancel() {
  m_armed = false;
}

Scheduler::Scheduler(Mode mode) : m_mode(mode) {
  if (m_mode == Mode::Host) m_offset = host_ns();
}

Scheduler::~Scheduler() {
  // Timers still owned by devices that outlive us become inert.
  for (Timer* t : m_timers) t->m_sched = nullptr;
}

int64_t Scheduler::host_ns() const {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t Scheduler::now() const {
  if (m_mode == Mode::Manual) return m_manual_now;
  if (m_paused) return m_paused_at;
  return host_ns() - m_offset;
}

std::unique_ptr<Scheduler::Timer> Scheduler::make_timer(std::function<void()> callback) {
  std::unique_ptr<Timer> t(new Timer(this, std::move(callback)));
  m_timers.push_back(t.get());
  return t;
}

Scheduler::Timer* Scheduler::earliest() const {
  Timer* best = nullptr;
  for (Timer* t : m_timers) {
    if (!t->m_armed) continue;
    if (!best || t->m_deadline < best->m_deadline ||
        (t->m_deadline == best->m_deadline && t->m_seq < best->m_seq))
      best = t;
  }
  return best;
}

int64_t Scheduler::next_deadline() const {
  const Timer* t = earliest();
  return t ? t->m_deadline : INT64_MAX;
}

int64_t Scheduler::host_time_of(int64_t ns) const {
  if (m_mode != Mode::Host || m_paused || ns == INT64_MAX) return INT64_MAX;
  return m_offset > 0 && ns > INT64_MAX - m_offset ? INT64_MAX : ns + m_offset;
}

void Scheduler::armed_timer(Timer* t) {
  if (m_listener && earliest() == t) m_listener();
}

void Scheduler::run_due() {
  const int64_t limit = now();
  // A callback may arm (or re-arm) timers, including ones already due: keep
  // picking the earliest until none is due.
  while (Timer* t = earliest()) {
    if (t->m_deadline > limit) break;
    t->m_armed = false;
    t->m_callback();
  }
}

void Scheduler::advance(int64_t ns) {
  assert(m_mode == Mode::Manual);
  if (m_mode != Mode::Manual) return;
  const int64_t target = m_manual_now + ns;
  // Step the clock to each deadline so every callback sees now() equal to
  // its own deadline, as it would with an exact clock.
  while (Timer* t = earliest()) {
    if (t->m_deadline > target) break;
    if (t->m_deadline > m_manual_now) m_manual_now = t->m_deadline;
    t->m_armed = false;
    t->m_callback();
  }
  m_manual_now = target;
}

void Scheduler::pause() {
  if (m_mode != Mode::Host || m_paused) return;
  m_paused_at = now();
  m_paused = true;
}

void Scheduler::resume() {
  if (m_mode != Mode::Host || !m_paused) return;
  m_paused = false;
  m_offset = host_ns() - m_paused_at;
}

void Scheduler::set_now(int64_t ns) {
  if (m_mode == Mode::Manual) {
    m_manual_now = ns;
  } else if (m_paused) {
    m_paused_at = ns;
  } else {
    m_offset = host_ns() - ns;
  }
}

}  // namespace dynemu::hw
