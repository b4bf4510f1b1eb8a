#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

// A user-mode style guest address space for tests: 4 GiB (+ a guard page)
// reserved PROT_NONE, with pages made accessible on demand, so that stray
// accesses fault on the host exactly as in dynemu-i386.
class GuestMemory {
 public:
  static constexpr uint64_t kSpan = (uint64_t{1} << 32) + 4096;

  GuestMemory() {
    void* p = mmap(nullptr, kSpan, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) std::abort();
    m_base = static_cast<uint8_t*>(p);
  }
  ~GuestMemory() { munmap(m_base, kSpan); }
  GuestMemory(const GuestMemory&) = delete;
  GuestMemory& operator=(const GuestMemory&) = delete;

  // Makes [addr, addr + len) (page-rounded) readable and writable.
  void map(uint32_t addr, uint32_t len, int prot = PROT_READ | PROT_WRITE) {
    const uint64_t start = addr & ~uint64_t{0xfff};
    const uint64_t end = (uint64_t{addr} + len + 0xfff) & ~uint64_t{0xfff};
    if (mprotect(m_base + start, end - start, prot) != 0) std::abort();
  }

  uint8_t* base() const { return m_base; }
  uint8_t* at(uint32_t addr) const { return m_base + addr; }

 private:
  uint8_t* m_base = nullptr;
};
