#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace dynemu::hw {

// The virtual clock of one machine and the timers devices arm on it.
// Devices never read the host clock: they ask now() and arm timers, so a
// deterministic clock (instruction counted, replay) can replace the host
// one without touching them.
//
// Single-threaded: the scheduler and its timers belong to the thread that
// runs the machine's CPU and devices.
class Scheduler {
 public:
  // Host: now() follows CLOCK_MONOTONIC since creation (minus paused time).
  // Manual: now() moves only through advance() (tests, replay).
  enum class Mode { Host, Manual };

  class Timer {
   public:
    ~Timer();
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    // Fire once when now() reaches deadline_ns (re-arming replaces the old
    // deadline). A deadline in the past fires at the next run_due().
    void arm(int64_t deadline_ns);
    void cancel();
    bool armed() const { return m_armed; }
    int64_t deadline() const { return m_deadline; }

   private:
    friend class Scheduler;
    Timer(Scheduler* s, std::function<void()> cb) : m_sched(s), m_callback(std::move(cb)) {}
    Scheduler* m_sched;
    std::function<void()> m_callback;
    int64_t m_deadline = 0;
    uint64_t m_seq = 0;  // arm order: equal deadlines fire in the order armed
    bool m_armed = false;
  };

  explicit Scheduler(Mode mode = Mode::Host);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  Mode mode() const { return m_mode; }
  int64_t now() const;  // virtual ns

  // The timer is owned by the caller (the device); it must not outlive the
  // scheduler's use of it, and it unregisters itself when destroyed.
  std::unique_ptr<Timer> make_timer(std::function<void()> callback);

  int64_t next_deadline() const;  // INT64_MAX if none
  void run_due();                 // fires every timer whose deadline <= now(), in deadline order
  void advance(int64_t ns);       // Manual mode only: move now() forward and run timers on the way
  // Host mode while running: the CLOCK_MONOTONIC ns at which now() reaches
  // ns, exactly (the same virtual deadline always maps to the same host
  // time, so a caller can tell an unchanged deadline from a new one).
  // Manual mode or paused: INT64_MAX (virtual time does not follow the host).
  int64_t host_time_of(int64_t ns) const;

  // Called whenever arming a timer makes next_deadline() earlier, so the
  // board can cut a running CPU short or wake a halted one. Called on the
  // scheduler's thread.
  void set_deadline_listener(std::function<void()> listener) { m_listener = std::move(listener); }

  // Host mode: stop and restart virtual time (a paused machine's clock does
  // not run, so the guest sees no jump on resume). Manual mode: no effect.
  void pause();
  void resume();
  bool paused() const { return m_paused; }

  // Snapshots: restore the virtual clock to a saved value. Timers keep their
  // absolute deadlines; devices re-arm theirs from their own visited state.
  void set_now(int64_t ns);

 private:
  friend class Timer;
  int64_t host_ns() const;
  Timer* earliest() const;
  void armed_timer(Timer* t);

  Mode m_mode;
  int64_t m_offset = 0;  // Host: now() = host_ns() - m_offset
  int64_t m_manual_now = 0;
  int64_t m_paused_at = 0;
  bool m_paused = false;
  uint64_t m_next_seq = 0;
  std::vector<Timer*> m_timers;  // a handful per machine: a linear scan is the fastest structure
  std::function<void()> m_listener;
};

}  // namespace dynemu::hw
