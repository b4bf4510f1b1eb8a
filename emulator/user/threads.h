#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "emulator/exec/cpu.h"

namespace dynemu::user {

// One guest thread: a host thread running its own Cpu over the shared
// guest address space.
struct GuestThread {
  std::unique_ptr<exec::Cpu> cpu;
  int tid = 0;
  uint32_t clear_child_tid = 0;  // set_tid_address / CLONE_CHILD_CLEARTID
  // Its TLS descriptors (GDT entries 12..14), which Linux switches with the
  // thread; loaded into the shared GDT while the thread runs.
  uint64_t tls[3] = {};
  bool exited = false;
};

// Guest threads run one at a time (translated code and the personality's
// tables are not thread-safe, and LOCK-prefixed guest instructions are
// atomic only under this lock): a fair ticket lock, released around
// blocking system calls. A thread that has to wait asks the CPU of the
// holder to stop at the next block, so guest spin loops cannot starve it.
class BigLock {
 public:
  void acquire(exec::Cpu* me) {
    std::unique_lock l(m_mutex);
    const uint64_t ticket = m_next++;
    if (ticket != m_serving) {
      if (exec::Cpu* h = m_holder.load()) h->request_exit();
      m_cv.wait(l, [&] { return m_serving == ticket; });
    }
    m_holder.store(me);
  }
  void release() {
    std::lock_guard l(m_mutex);
    m_holder.store(nullptr);
    ++m_serving;
    m_cv.notify_all();
  }
  // Someone is waiting for the lock.
  bool contended() {
    std::lock_guard l(m_mutex);
    return m_next > m_serving + 1;
  }
  // In a forked child only the forking thread exists: it holds the lock.
  void reset_after_fork(exec::Cpu* me) {
    new (&m_mutex) std::mutex;
    new (&m_cv) std::condition_variable;
    m_next = 1;
    m_serving = 0;
    m_holder.store(me);
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  uint64_t m_next = 0, m_serving = 0;
  std::atomic<exec::Cpu*> m_holder{nullptr};
};

}  // namespace dynemu::user
