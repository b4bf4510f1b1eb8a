#include "emulator/mmu/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace dynemu::mmu {

namespace {

constexpr size_t kHuge = size_t{2} << 20;

size_t rounded(size_t bytes) {
  return ((bytes ? bytes : 1) + kHuge - 1) & ~(kHuge - 1);
}

}  // namespace

void* map_huge(size_t bytes) {
  const size_t len = rounded(bytes);
  // Over-allocate by one huge page, then give back the unaligned head and
  // the tail, so exactly [aligned, aligned + len) stays mapped.
  void* p = mmap(nullptr, len + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHuge - 1) & ~(kHuge - 1);
  if (aligned > start) munmap(p, aligned - start);
  if (const size_t tail = start + kHuge - aligned)
    munmap(reinterpret_cast<void*>(aligned + len), tail);
  void* data = reinterpret_cast<void*>(aligned);
  madvise(data, len, MADV_HUGEPAGE);
  return data;
}

void unmap_huge(void* p, size_t bytes) {
  if (p) munmap(p, rounded(bytes));
}

}  // namespace dynemu::mmu
