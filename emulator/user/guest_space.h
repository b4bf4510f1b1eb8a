#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "emulator/core/result.h"

namespace dynemu::user {

// Guest protection bits, as PROT_READ/PROT_WRITE/PROT_EXEC.
enum GuestProt : uint8_t { kProtRead = 1, kProtWrite = 2, kProtExec = 4 };

// The guest's 4 GiB address space: one host reservation where guest address
// A lives at host address base() + A. Pages are mapped with MAP_FIXED inside
// it and "unmapped" by mapping PROT_NONE over them again, so the host never
// places anything of its own in the hole. A per-page table mirrors what the
// guest mapped, for the mmap allocator and for validating guest pointers.
//
// Layout (like an i386 process on an x86-64 kernel): the stack ends at
// kStackTop; mmap(NULL) allocates top-down from kMmapTop; the pages above
// kSystemBase hold the GDT, the LDT and the signal trampolines.
class GuestSpace {
 public:
  static constexpr uint64_t kSize = 1ull << 32;
  static constexpr uint64_t kGuard = 1ull << 16;  // past 4 GiB: catches wrapping accesses
  static constexpr uint32_t kPage = 4096;
  static constexpr uint32_t kSystemBase = 0xfffe0000;  // LDT (64 KiB) .. GDT .. trampolines
  static constexpr uint32_t kStackTop = 0xfffdc000;
  static constexpr uint32_t kStackSize = 8u << 20;
  static constexpr uint32_t kMmapTop = kStackTop - (128u << 20);
  static constexpr uint32_t kMmapBottom = 0x00010000;  // never hand out page 0..15

  GuestSpace() = default;
  ~GuestSpace();
  GuestSpace(const GuestSpace&) = delete;
  GuestSpace& operator=(const GuestSpace&) = delete;

  Result<void> reserve();
  uint8_t* base() const { return m_base; }
  uint8_t* host(uint32_t addr) const { return m_base + addr; }

  // Anonymous (fd < 0) or file mapping at exactly [addr, addr+len) (page
  // aligned). Host flags: MAP_SHARED or MAP_PRIVATE (+ MAP_ANONYMOUS etc.).
  Result<void> map_fixed(uint32_t addr, uint32_t len, int prot, int host_flags, int fd,
                         uint64_t offset);
  // The same as a raw result: 0 or -errno.
  int map(uint32_t addr, uint32_t len, int prot, int host_flags, int fd, uint64_t offset);
  void unmap(uint32_t addr, uint32_t len);
  // mremap: the new guest address, or -errno.
  int64_t remap(uint32_t old_addr, uint32_t old_len, uint32_t new_len, bool may_move, bool fixed,
                uint32_t new_addr);
  // -errno on failure (0 on success).
  int protect(uint32_t addr, uint32_t len, int prot);

  // Highest free, page-aligned range of `len` bytes below kMmapTop (or at
  // `hint` when that range is free). 0 when the space is full.
  uint32_t find_free(uint32_t len, uint32_t hint = 0) const;
  bool is_free(uint32_t addr, uint32_t len) const;
  bool is_mapped(uint32_t addr, uint32_t len) const;

  // Pointer checks for system-call arguments: the range lies inside 4 GiB
  // and every page is mapped with the access (a bad pointer -> -EFAULT).
  bool readable(uint32_t addr, uint64_t len) const { return check(addr, len, kProtRead); }
  bool writable(uint32_t addr, uint64_t len) const { return check(addr, len, kProtWrite); }
  // The range does not run past 4 GiB (for buffers handed to the host
  // kernel, which checks page access itself).
  static bool in_range(uint32_t addr, uint64_t len) { return uint64_t(addr) + len <= kSize; }

  bool read(uint32_t addr, void* out, size_t len) const;
  bool write(uint32_t addr, const void* in, size_t len);
  // Writes regardless of guest protection (loader, signal frames go through
  // write(); this is for system pages the guest may only read).
  void poke(uint32_t addr, const void* in, size_t len);
  template <typename T>
  bool read_obj(uint32_t addr, T& out) const {
    return read(addr, &out, sizeof(T));
  }
  template <typename T>
  bool write_obj(uint32_t addr, const T& in) {
    return write(addr, &in, sizeof(T));
  }
  // A NUL-terminated guest string of at most `max` bytes.
  bool read_string(uint32_t addr, std::string& out, size_t max = 4096) const;

  // Self-modifying code by host page protection (exec/host_fault.h,
  // CodeWriteGuard): a page holding translated code that the guest may
  // write is "code-locked", read-only on the host; the guest's own
  // protection stays in the table. lock_code: called for each page exec
  // marks as holding code (no effect on pages the guest cannot write).
  // unlock_code: the page of `addr` is writable again if it was locked;
  // false if it was not (a write fault there is the guest's). The caller
  // drops the page's translated code. Both are safe in the SIGSEGV handler
  // (no allocation; only the faulting thread, which holds the process's
  // lock, changes the table).
  void lock_code(uint32_t page);
  bool unlock_code(uint32_t addr);
  bool code_locked(uint32_t addr) const { return m_pages[addr / kPage] & kCodeLocked; }
  // Unlocks every code-locked page of [addr, addr+len) before the host
  // kernel writes there (read(2) into a buffer next to code: the kernel
  // returns EFAULT instead of faulting); `drop(page_addr)` for each.
  template <typename F>
  void unlock_range(uint32_t addr, uint64_t len, F drop) {
    if (m_locked_pages == 0 || len == 0 || !in_range(addr, len)) return;
    for (uint64_t a = addr & ~(kPage - 1); a < uint64_t(addr) + len; a += kPage)
      if (unlock_code(uint32_t(a))) drop(uint32_t(a));
  }
  // All code-locked pages (a system call failed with EFAULT: see Process).
  template <typename F>
  void unlock_all(F drop) {
    for (uint64_t p = 0; m_locked_pages && p < kSize / kPage; ++p)
      if (m_pages[p] & kCodeLocked && unlock_code(uint32_t(p * kPage))) drop(uint32_t(p * kPage));
  }
  uint32_t locked_pages() const { return m_locked_pages; }
  // Counters for -d stats.
  struct CodeLockStats {
    uint64_t locks = 0, unlocks = 0;
  };
  const CodeLockStats& code_lock_stats() const { return m_lock_stats; }
  // Whether a page holds translated code (exec's BlockCache): protect()
  // keeps such pages locked when the guest makes them writable.
  std::function<bool(uint32_t page)> holds_code;

  // Guest protection of a page (0 when unmapped or PROT_NONE).
  uint8_t page_prot(uint32_t addr) const { return m_pages[addr / kPage] & kProtMask; }
  bool page_mapped(uint32_t addr) const { return m_pages[addr / kPage] & kMapped; }

  // Pages backed by the same shared file page (a file or memfd mapped
  // MAP_SHARED twice, the W^X dual-mapping trick): the other guest pages
  // (addr >> 12) that alias `page`. map() records MAP_SHARED file mappings.
  void aliases(uint32_t page, std::vector<uint32_t>& out) const;
  // Pages already mapped that alias some page of [addr, addr+len).
  std::vector<uint32_t> aliases_of_range(uint32_t addr, uint32_t len) const;

  // brk area (see sys_mem.cpp).
  uint32_t brk_start = 0;
  uint32_t brk_cur = 0;

 private:
  static constexpr uint8_t kMapped = 0x80;
  static constexpr uint8_t kCodeLocked = 0x40;
  // Host protection of a page: the guest's, without write while code-locked.
  int host_prot_of(uint64_t page) const;
  // Clears the lock state of [addr, addr+len) (the range is mapped anew).
  void forget_locks(uint32_t addr, uint64_t len);
  uint32_t m_locked_pages = 0;
  CodeLockStats m_lock_stats;
  static constexpr uint8_t kProtMask = 7;
  bool check(uint32_t addr, uint64_t len, uint8_t need) const;
  void set_pages(uint32_t addr, uint32_t len, uint8_t value);

  void forget_shared(uint32_t addr, uint32_t len);

  uint8_t* m_base = nullptr;
  std::vector<uint8_t> m_pages;
  // Shared file pages: (device, inode, file page) per guest page and back.
  struct FilePage {
    uint64_t dev, ino, page;
    auto operator<=>(const FilePage&) const = default;
  };
  std::map<uint32_t, FilePage> m_shared;
  std::map<FilePage, std::set<uint32_t>> m_shared_users;
};

inline constexpr uint32_t page_down(uint32_t a) {
  return a & ~(GuestSpace::kPage - 1);
}
inline constexpr uint64_t page_up(uint64_t a) {
  return (a + GuestSpace::kPage - 1) & ~uint64_t(GuestSpace::kPage - 1);
}

// Host protection for a guest one: i386 without NX reads what it may
// execute, and guest code is never executed by the host, so PROT_EXEC is
// dropped (W^X for the host).
int host_prot(int guest_prot);

}  // namespace dynemu::user
