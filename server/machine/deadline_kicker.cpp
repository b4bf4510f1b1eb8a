#include "server/machine/deadline_kicker.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace dynemu::machine {

namespace {

// The signal the kick timers raise. Signal handlers are process-wide, so
// the live kickers are found through this table (the timer carries the
// slot number, not a pointer, so a signal still queued after a kicker is
// gone finds an empty slot instead of freed memory).
const int kKickSignal = SIGRTMIN;
constexpr int kSlots = 16;
std::atomic<DeadlineKicker*> g_kickers[kSlots];
std::once_flag g_handler_installed;

}  // namespace

void DeadlineKicker::on_signal(int, siginfo_t* info, void*) {
  const int slot = info->si_value.sival_int;
  if (slot < 0 || slot >= kSlots) return;
  // Runs on the kicker's own thread (the timer targets it), so the kicker
  // cannot be destroyed while this runs.
  if (DeadlineKicker* k = g_kickers[slot].load(std::memory_order_acquire)) k->m_kick();
}

DeadlineKicker::DeadlineKicker(std::function<void()> kick) : m_kick(std::move(kick)) {
  std::call_once(g_handler_installed, [] {
    struct sigaction sa {};
    sa.sa_sigaction = &DeadlineKicker::on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(kKickSignal, &sa, nullptr);
  });
  for (int i = 0; i < kSlots && m_slot < 0; ++i) {
    DeadlineKicker* expected = nullptr;
    if (g_kickers[i].compare_exchange_strong(expected, this)) m_slot = i;
  }
  if (m_slot < 0) {
    std::fprintf(stderr, "dynemu-system-i386: more than %d machines in one process\n", kSlots);
    std::abort();
  }
  sigevent ev{};
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev.sigev_signo = kKickSignal;
  ev.sigev_value.sival_int = m_slot;
  ev._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
  if (timer_create(CLOCK_MONOTONIC, &ev, &m_timer) != 0) {
    std::perror("dynemu-system-i386: timer_create");
    std::abort();
  }
}

DeadlineKicker::~DeadlineKicker() {
  timer_delete(m_timer);
  g_kickers[m_slot].store(nullptr, std::memory_order_release);
}

int64_t DeadlineKicker::host_now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t DeadlineKicker::next_kick() const {
  if (m_at == kNever) return kNever;
  const int64_t now = host_now();
  if (now < m_at) return m_at;
  if (m_every == 0) return kNever;  // kicked already
  return m_at + ((now - m_at) / m_every + 1) * m_every;
}

void DeadlineKicker::set_deadline(int64_t host_ns) {
  itimerspec spec{};  // all zero: disarm
  m_at = host_ns;
  m_every = 0;
  if (host_ns != kNever) {
    // An absolute time of zero would disarm: a past deadline is 1 ns.
    const int64_t t = host_ns > 0 ? host_ns : 1;
    spec.it_value.tv_sec = t / 1'000'000'000;
    spec.it_value.tv_nsec = t % 1'000'000'000;
    m_every = m_repeat;
    spec.it_interval.tv_sec = m_every / 1'000'000'000;
    spec.it_interval.tv_nsec = m_every % 1'000'000'000;
  }
  ++m_arms;
  timer_settime(m_timer, TIMER_ABSTIME, &spec, nullptr);
}

}  // namespace dynemu::machine
