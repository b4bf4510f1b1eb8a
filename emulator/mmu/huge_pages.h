#pragma once

#include <cstddef>

namespace dynemu::mmu {

// Anonymous read-write memory on 2 MiB boundaries, advised MADV_HUGEPAGE:
// what an idle guest's timer tick touches sparsely and cold (guest RAM, the
// soft TLB) then costs the host far fewer TLB misses. Advice only: without
// transparent huge pages the memory is ordinary 4 KiB pages. Zero-filled.
// Throws std::bad_alloc when the host has no address space left.
void* map_huge(size_t bytes);
// Releases what map_huge(bytes) returned (the same byte count).
void unmap_huge(void* p, size_t bytes);

}  // namespace dynemu::mmu
