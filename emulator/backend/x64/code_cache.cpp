#include "emulator/backend/x64/code_cache.h"

#include <sys/mman.h>

#include <cstring>

namespace dynemu::backend::x64 {

namespace {

constexpr size_t kPage = 4096;
constexpr size_t kHugePage = 2u << 20;

// Where to ask for the mapping: just below the executable, so that compiled
// code reaches our helpers with call rel32 (Emitter::call_c; QEMU places its
// buffer near the executable for the same reason). The kernel may put it
// elsewhere: calls then go through a register.
void* near_executable(size_t size) {
  const auto text = reinterpret_cast<uintptr_t>(&near_executable);
  const uintptr_t gap = size + (64u << 20);
  if (text < gap + (1u << 30)) return nullptr;
  return reinterpret_cast<void*>((text - gap) & ~uintptr_t{kHugePage - 1});
}

}  // namespace

CodeCache::CodeCache(size_t bytes) {
  m_size = (bytes + kPage - 1) & ~(kPage - 1);
  if (m_size < 4 * kTrampolineBytes) return;
  // Over-allocate by a huge page, then trim to a 2 MiB aligned start so
  // that every 2 MiB of the cache can be one huge page.
  const size_t want = m_size >= kHugePage ? m_size + kHugePage : m_size;
  void* p = mmap(near_executable(want), want, PROT_READ | PROT_WRITE | PROT_EXEC,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return;
  auto* raw = static_cast<uint8_t*>(p);
  uint8_t* start = raw;
  if (want != m_size) {
    start = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(raw) + kHugePage - 1) &
                                       ~uintptr_t{kHugePage - 1});
    if (start != raw) munmap(raw, static_cast<size_t>(start - raw));
    const size_t tail = static_cast<size_t>(raw + want - (start + m_size));
    if (tail) munmap(start + m_size, tail);
  }
  m_base = start;
  m_mapped = m_size;
  // Best effort: without THP the cache works on 4 KiB pages.
  madvise(m_base, m_size, MADV_HUGEPAGE);
  // Hot : cold = 1 : 1 (a Linux boot's code in system mode: ~0.46 : 0.54;
  // a region that fills first flushes both).
  m_cold_begin = kTrampolineBytes + ((m_size - kTrampolineBytes) / 2 & ~size_t{63});
  m_hot = kTrampolineBytes;
  m_cold = m_cold_begin;
}

CodeCache::~CodeCache() {
  if (m_base) munmap(m_base, m_mapped);
}

void CodeCache::patch32(uint8_t* at, uint32_t value) {
  std::memcpy(at, &value, 4);
}

void CodeCache::flush() {
  m_hot = kTrampolineBytes;
  m_cold = m_cold_begin;
  ++m_epoch;
}

}  // namespace dynemu::backend::x64
