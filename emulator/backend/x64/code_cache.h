#pragma once

#include <cstddef>
#include <cstdint>

namespace dynemu::backend::x64 {

// The translation cache's host code memory: one region, filled by bump
// allocation and flushed whole when full. W^X: no mapping is both writable
// and executable. The region is shared anonymous memory mapped twice, a
// writable view that blocks are copied into and an executable view they run
// from, so adding a block costs a memcpy and no system call (an mprotect
// pair per block was ~10% of a Linux boot, most of it in the kernel's VMA
// splitting). Anonymous, not a memfd, so that perf still reads JIT symbols
// from /tmp/perf-PID.map. If the alias cannot be made, one private mapping
// is flipped between writable and executable around each copy instead.
class CodeCache {
 public:
  explicit CodeCache(size_t bytes);
  ~CodeCache();
  CodeCache(const CodeCache&) = delete;
  CodeCache& operator=(const CodeCache&) = delete;

  // Copies `len` bytes of position-independent code in; returns where it
  // runs, or nullptr when the cache is full (flush() and retry).
  const uint8_t* add(const uint8_t* code, size_t len);
  // Forgets all code; bumps epoch() so holders of old pointers know.
  void flush();
  uint64_t epoch() const { return m_epoch; }
  // In a forked child: stops sharing the parent's pages (a private copy at
  // the same address). Run by a pthread_atfork handler; a raw clone()
  // without it would leave both processes writing the same pages.
  void after_fork();
  size_t used() const { return m_used; }
  size_t capacity() const { return m_size; }
  bool ok() const { return m_exec != nullptr; }

 private:
  uint8_t* m_exec = nullptr;   // PROT_READ | PROT_EXEC
  uint8_t* m_write = nullptr;  // PROT_READ | PROT_WRITE view of the same pages, or null
  size_t m_size = 0;
  size_t m_used = 0;
  uint64_t m_epoch = 1;
};

}  // namespace dynemu::backend::x64
