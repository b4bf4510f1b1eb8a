#pragma once

#include <cstddef>
#include <cstdint>

namespace dynemu::backend::x64 {

// The translation cache's host code memory: one region, filled by bump
// allocation and flushed whole when full.
//
// One private anonymous mapping, readable, writable and executable (as
// QEMU's code buffer on Linux by default): blocks are written where they
// run, so adding or patching a block makes no system call and needs no
// second view. It is 2 MiB aligned and asks for transparent huge pages
// (MADV_HUGEPAGE; THP is "madvise" on our hosts): an idle guest's timer
// tick runs a few hundred cold blocks spread over the cache, and with
// 4 KiB pages each tick paid iTLB misses for most of them (huge pages cut
// the idle cost ~7%). Shared memory would not get huge pages here
// (shmem THP is "never") and would stay shared with a forked child; a
// private mapping is copied on write, so user mode forks with it safely.
//
// Layout: the trampolines (the prologue and epilogue all blocks share) at
// the start, then the hot region, then the cold region (Emitter): code is
// emitted in place at the two cursors hot() and cold(), and commit()
// keeps it. flush() rewinds both cursors (the trampolines stay).
class CodeCache {
 public:
  explicit CodeCache(size_t bytes);
  ~CodeCache();
  CodeCache(const CodeCache&) = delete;
  CodeCache& operator=(const CodeCache&) = delete;

  static constexpr size_t kTrampolineBytes = 256;
  // Where the next block's hot / cold code goes, and where each region ends.
  size_t hot() const { return m_hot; }
  size_t cold() const { return m_cold; }
  size_t hot_limit() const { return m_cold_begin; }
  size_t cold_limit() const { return m_size; }
  size_t cold_begin() const { return m_cold_begin; }
  // Keeps the code written up to these offsets.
  void commit(size_t hot_end, size_t cold_end) {
    m_hot = hot_end;
    m_cold = cold_end;
  }
  // Whether nothing was added since the last flush.
  bool empty() const { return m_hot == kTrampolineBytes && m_cold == m_cold_begin; }
  // Writes 4 bytes into code added earlier (a patched jump's rel32).
  void patch32(uint8_t* at, uint32_t value);
  // Forgets all code; bumps epoch() so holders of old pointers know.
  void flush();
  uint64_t epoch() const { return m_epoch; }
  size_t used() const { return (m_hot - kTrampolineBytes) + (m_cold - m_cold_begin); }
  size_t capacity() const { return m_size; }
  bool ok() const { return m_base != nullptr; }
  uint8_t* base() const { return m_base; }
  // Whether `p` is inside the region, and its offset there.
  bool contains(uintptr_t p) const { return p - reinterpret_cast<uintptr_t>(m_base) < m_size; }
  uint32_t offset_of(uintptr_t p) const {
    return static_cast<uint32_t>(p - reinterpret_cast<uintptr_t>(m_base));
  }

 private:
  uint8_t* m_base = nullptr;  // PROT_READ | PROT_WRITE | PROT_EXEC
  size_t m_size = 0;
  size_t m_mapped = 0;  // bytes mapped at m_map (alignment slack trimmed)
  size_t m_hot = 0, m_cold = 0, m_cold_begin = 0;
  uint64_t m_epoch = 1;
};

}  // namespace dynemu::backend::x64
