#pragma once

#include <cstddef>
#include <cstdint>

namespace dynemu::backend::x64 {

// The translation cache's host code memory: one region, filled by bump
// allocation and flushed whole when full. W^X: no mapping is both writable
// and executable.
//
// Views::Single: one private mapping, flipped between writable and
// executable around each copy (an mprotect pair per block).
// Views::Aliased: shared anonymous memory mapped twice, a writable view that
// blocks are copied into and an executable view they run from, so adding a
// block is a memcpy without system calls (the mprotect pairs were ~10% of a
// Linux boot, mostly the kernel's VMA splitting). Shared memory would stay
// shared with a forked child, so only processes that never fork (system
// mode) ask for it; user mode, which translates far fewer blocks and forks
// with its guest, keeps Single. Anonymous rather than a memfd so that perf
// still reads JIT symbols from /tmp/perf-PID.map. Falls back to Single if
// the alias cannot be made.
class CodeCache {
 public:
  enum class Views { Single, Aliased };
  CodeCache(size_t bytes, Views views);
  ~CodeCache();
  CodeCache(const CodeCache&) = delete;
  CodeCache& operator=(const CodeCache&) = delete;

  // Copies `len` bytes of position-independent code in; returns where it
  // runs, or nullptr when the cache is full (flush() and retry).
  const uint8_t* add(const uint8_t* code, size_t len);
  // Writes 4 bytes into code added earlier (a patched jump's rel32): via
  // the writable view, or (Single) by making the page writable around it,
  // unless a batch made all code writable (begin_patches .. end_patches,
  // nestable; no code may run and add() may not be called in between).
  void patch32(uint8_t* at, uint32_t value);
  void begin_patches();
  void end_patches();
  // Forgets all code; bumps epoch() so holders of old pointers know.
  void flush();
  uint64_t epoch() const { return m_epoch; }
  size_t used() const { return m_used; }
  size_t capacity() const { return m_size; }
  bool ok() const { return m_exec != nullptr; }
  // Whether `p` is inside the region, and its offset there.
  bool contains(uintptr_t p) const { return p - reinterpret_cast<uintptr_t>(m_exec) < m_size; }
  uint32_t offset_of(uintptr_t p) const {
    return static_cast<uint32_t>(p - reinterpret_cast<uintptr_t>(m_exec));
  }

 private:
  uint8_t* m_exec = nullptr;   // PROT_READ | PROT_EXEC
  uint8_t* m_write = nullptr;  // Aliased: PROT_READ | PROT_WRITE view of the same pages
  size_t m_size = 0;
  size_t m_used = 0;
  uint64_t m_epoch = 1;
  int m_patching = 0;     // begin_patches depth
  size_t m_writable = 0;  // Single: bytes made writable by begin_patches
};

}  // namespace dynemu::backend::x64
