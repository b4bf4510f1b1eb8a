#pragma once

#include <cstddef>
#include <cstdint>

namespace dynemu::backend::x64 {

// The translation cache's host code memory: one mmap'd region, filled by
// bump allocation and flushed whole when full. W^X: pages are writable only
// while a block is copied in, executable otherwise.
class CodeCache {
 public:
  explicit CodeCache(size_t bytes);
  ~CodeCache();
  CodeCache(const CodeCache&) = delete;
  CodeCache& operator=(const CodeCache&) = delete;

  // Copies `len` bytes of position-independent code in; returns where, or
  // nullptr when the cache is full (flush() and retry).
  const uint8_t* add(const uint8_t* code, size_t len);
  // Forgets all code; bumps epoch() so holders of old pointers know.
  void flush();
  uint64_t epoch() const { return m_epoch; }
  size_t used() const { return m_used; }
  size_t capacity() const { return m_size; }
  bool ok() const { return m_base != nullptr; }

 private:
  uint8_t* m_base = nullptr;
  size_t m_size = 0;
  size_t m_used = 0;
  uint64_t m_epoch = 1;
};

}  // namespace dynemu::backend::x64
