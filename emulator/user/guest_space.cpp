#include "emulator/user/guest_space.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace dynemu::user {

namespace {
constexpr int kReserveFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
}

int host_prot(int guest_prot) {
  int p = PROT_NONE;
  if (guest_prot & (PROT_READ | PROT_EXEC)) p |= PROT_READ;
  if (guest_prot & PROT_WRITE) p |= PROT_READ | PROT_WRITE;
  return p;
}

GuestSpace::~GuestSpace() {
  if (m_base) munmap(m_base, kSize + kGuard);
}

Result<void> GuestSpace::reserve() {
  void* p = mmap(nullptr, kSize + kGuard, PROT_NONE, kReserveFlags, -1, 0);
  if (p == MAP_FAILED)
    return Error{std::string("cannot reserve 4 GiB of address space for the guest: ") +
                 strerror(errno)};
  m_base = static_cast<uint8_t*>(p);
  m_pages.assign(kSize / kPage, 0);
  return Ok{};
}

void GuestSpace::set_pages(uint32_t addr, uint32_t len, uint8_t value) {
  // Every caller gave the range its host protection anew: no lock stays.
  forget_locks(addr, len);
  const uint64_t first = addr / kPage, end = page_up(uint64_t(addr) + len) / kPage;
  for (uint64_t i = first; i < end; ++i) m_pages[i] = value;
}

void GuestSpace::forget_locks(uint32_t addr, uint64_t len) {
  if (m_locked_pages == 0) return;
  const uint64_t first = addr / kPage, end = page_up(uint64_t(addr) + len) / kPage;
  for (uint64_t i = first; i < end && i < kSize / kPage; ++i) {
    if (m_pages[i] & kCodeLocked) {
      m_pages[i] &= uint8_t(~kCodeLocked);
      --m_locked_pages;
    }
  }
}

int GuestSpace::host_prot_of(uint64_t page) const {
  const int p = host_prot(m_pages[page] & kProtMask);
  return (m_pages[page] & kCodeLocked) ? p & ~PROT_WRITE : p;
}

void GuestSpace::lock_code(uint32_t page) {
  if (page >= kSize / kPage) return;
  const uint8_t v = m_pages[page];
  if (!(v & kMapped) || !(v & kProtWrite) || (v & kCodeLocked)) return;
  if (mprotect(host(page * kPage), kPage, host_prot(v & kProtMask) & ~PROT_WRITE) != 0) return;
  m_pages[page] = uint8_t(v | kCodeLocked);
  ++m_locked_pages;
  ++m_lock_stats.locks;
}

bool GuestSpace::unlock_code(uint32_t addr) {
  const uint32_t page = addr / kPage;
  const uint8_t v = m_pages[page];
  if (!(v & kCodeLocked)) return false;
  m_pages[page] = uint8_t(v & ~kCodeLocked);
  --m_locked_pages;
  ++m_lock_stats.unlocks;
  mprotect(host(page * kPage), kPage, host_prot(v & kProtMask));
  return true;
}

int GuestSpace::map(uint32_t addr, uint32_t len, int prot, int host_flags, int fd,
                    uint64_t offset) {
  if (len == 0) return 0;
  if (!in_range(addr, page_up(len))) return -ENOMEM;
  void* p =
      mmap(host(addr), page_up(len), host_prot(prot), host_flags | MAP_FIXED, fd, off_t(offset));
  if (p == MAP_FAILED) return -errno;
  forget_shared(addr, len);
  set_pages(addr, len, uint8_t(kMapped | (prot & kProtMask)));
  struct stat st;
  if ((host_flags & MAP_TYPE) != MAP_PRIVATE && fd >= 0 && fstat(fd, &st) == 0) {
    for (uint32_t i = 0; i < page_up(len) / kPage; ++i) {
      const FilePage key{st.st_dev, st.st_ino, offset / kPage + i};
      m_shared[addr / kPage + i] = key;
      m_shared_users[key].insert(addr / kPage + i);
    }
  }
  return 0;
}

void GuestSpace::forget_shared(uint32_t addr, uint32_t len) {
  if (m_shared.empty()) return;
  const uint64_t first = addr / kPage, end = page_up(uint64_t(addr) + len) / kPage;
  for (auto it = m_shared.lower_bound(uint32_t(first)); it != m_shared.end() && it->first < end;) {
    auto users = m_shared_users.find(it->second);
    if (users != m_shared_users.end()) {
      users->second.erase(it->first);
      if (users->second.empty()) m_shared_users.erase(users);
    }
    it = m_shared.erase(it);
  }
}

void GuestSpace::aliases(uint32_t page, std::vector<uint32_t>& out) const {
  auto it = m_shared.find(page);
  if (it == m_shared.end()) return;
  for (uint32_t other : m_shared_users.at(it->second))
    if (other != page) out.push_back(other);
}

std::vector<uint32_t> GuestSpace::aliases_of_range(uint32_t addr, uint32_t len) const {
  std::vector<uint32_t> out;
  const uint64_t first = addr / kPage, end = page_up(uint64_t(addr) + len) / kPage;
  for (uint64_t p = first; p < end; ++p) aliases(uint32_t(p), out);
  return out;
}

Result<void> GuestSpace::map_fixed(uint32_t addr, uint32_t len, int prot, int host_flags, int fd,
                                   uint64_t offset) {
  if (int e = map(addr, len, prot, host_flags, fd, offset); e) return Error{strerror(-e)};
  return Ok{};
}

int64_t GuestSpace::remap(uint32_t old_addr, uint32_t old_len, uint32_t new_len, bool may_move,
                          bool fixed, uint32_t new_addr) {
  old_len = uint32_t(page_up(old_len));
  const uint64_t nlen = page_up(new_len);
  if ((old_addr & (kPage - 1)) || nlen == 0 || nlen > kSize) return -EINVAL;
  if (old_len == 0 || !is_mapped(old_addr, old_len)) return -EFAULT;
  if (uint64_t(old_addr) + old_len > kSystemBase) return -EINVAL;  // GDT, LDT, trampolines
  const uint8_t flags = m_pages[old_addr / kPage] & uint8_t(~kCodeLocked);
  // mremap moves host pages with their protection: give code-locked ones
  // the guest's back first (the caller dropped their code).
  for (uint64_t a = old_addr; a < uint64_t(old_addr) + old_len; a += kPage)
    unlock_code(uint32_t(a));
  if (fixed) {
    if (!may_move || (new_addr & (kPage - 1))) return -EINVAL;
    if (!in_range(new_addr, nlen) || uint64_t(new_addr) + nlen > kSystemBase) return -ENOMEM;
  } else if (nlen <= old_len) {
    unmap(old_addr + uint32_t(nlen), old_len - uint32_t(nlen));
    return old_addr;
  } else if (is_free(old_addr + old_len, uint32_t(nlen - old_len))) {
    // Grow in place: release our placeholder behind the mapping first.
    munmap(host(old_addr + old_len), nlen - old_len);
    if (mremap(host(old_addr), old_len, nlen, 0) != MAP_FAILED) {
      set_pages(old_addr, uint32_t(nlen), flags);
      return old_addr;
    }
    unmap(old_addr + old_len, uint32_t(nlen - old_len));
    if (!may_move) return -ENOMEM;
    new_addr = find_free(uint32_t(nlen));
  } else {
    if (!may_move) return -ENOMEM;
    new_addr = find_free(uint32_t(nlen));
  }
  if (new_addr == 0) return -ENOMEM;
  if (mremap(host(old_addr), old_len, nlen, MREMAP_MAYMOVE | MREMAP_FIXED, host(new_addr)) ==
      MAP_FAILED)
    return -errno;
  // The old range is now a real hole: reserve it again (except where the
  // new mapping overlaps it).
  for (uint32_t a = old_addr; a - old_addr < old_len; a += kPage) {
    if (a >= new_addr && uint64_t(a) < new_addr + nlen) continue;
    unmap(a, kPage);
  }
  forget_shared(new_addr, uint32_t(nlen));
  set_pages(new_addr, uint32_t(nlen), flags);
  return new_addr;
}

void GuestSpace::unmap(uint32_t addr, uint32_t len) {
  if (len == 0 || !in_range(addr, len)) return;
  // Never a real munmap: the hole must stay reserved for the guest.
  mmap(host(addr), page_up(len), PROT_NONE, kReserveFlags | MAP_FIXED, -1, 0);
  forget_shared(addr, len);
  set_pages(addr, len, 0);
}

int GuestSpace::protect(uint32_t addr, uint32_t len, int prot) {
  if (!in_range(addr, len)) return -ENOMEM;
  if (!is_mapped(addr, len)) return -ENOMEM;
  if (mprotect(host(addr), page_up(len), host_prot(prot)) != 0) return -errno;
  set_pages(addr, len, uint8_t(kMapped | (prot & kProtMask)));
  // Pages still holding code that the guest may write now stay read-only.
  if (holds_code && (prot & kProtWrite))
    for (uint64_t a = addr; a < uint64_t(addr) + page_up(len); a += kPage)
      if (holds_code(uint32_t(a / kPage))) lock_code(uint32_t(a / kPage));
  return 0;
}

bool GuestSpace::is_free(uint32_t addr, uint32_t len) const {
  if (!in_range(addr, len) || addr < kMmapBottom) return false;
  const uint64_t first = addr / kPage, end = page_up(uint64_t(addr) + len) / kPage;
  if (end * kPage > kSystemBase) return false;
  for (uint64_t i = first; i < end; ++i)
    if (m_pages[i] & kMapped) return false;
  return true;
}

bool GuestSpace::is_mapped(uint32_t addr, uint32_t len) const {
  if (!in_range(addr, len)) return false;
  const uint64_t first = addr / kPage, end = page_up(uint64_t(addr) + len) / kPage;
  for (uint64_t i = first; i < end; ++i)
    if (!(m_pages[i] & kMapped)) return false;
  return true;
}

uint32_t GuestSpace::find_free(uint32_t len, uint32_t hint) const {
  len = uint32_t(page_up(len));
  if (len == 0 || len > kMmapTop) return 0;
  if (hint && (hint & (kPage - 1)) == 0 && is_free(hint, len)) return hint;
  // Top-down first fit, as Linux's legacy-free i386 layout does.
  uint64_t run_end = kMmapTop / kPage;  // exclusive end of the current free run
  for (uint64_t i = kMmapTop / kPage; i-- > kMmapBottom / kPage;) {
    if (m_pages[i] & kMapped) {
      run_end = i;
      continue;
    }
    if ((run_end - i) * kPage >= len) return uint32_t(i * kPage);
  }
  return 0;
}

bool GuestSpace::check(uint32_t addr, uint64_t len, uint8_t need) const {
  if (!in_range(addr, len)) return false;
  if (len == 0) return true;
  const uint64_t first = addr / kPage, end = page_up(uint64_t(addr) + len) / kPage;
  for (uint64_t i = first; i < end; ++i) {
    const uint8_t p = m_pages[i];
    if (!(p & kMapped)) return false;
    if (need == kProtRead && !(p & (kProtRead | kProtWrite | kProtExec))) return false;
    if (need == kProtWrite && !(p & kProtWrite)) return false;
  }
  return true;
}

bool GuestSpace::read(uint32_t addr, void* out, size_t len) const {
  if (!readable(addr, len)) return false;
  memcpy(out, host(addr), len);
  return true;
}

bool GuestSpace::write(uint32_t addr, const void* in, size_t len) {
  if (!writable(addr, len)) return false;
  memcpy(host(addr), in, len);
  return true;
}

void GuestSpace::poke(uint32_t addr, const void* in, size_t len) {
  const uint32_t first = page_down(addr);
  const uint32_t span = uint32_t(page_up(uint64_t(addr) + len) - first);
  mprotect(host(first), span, PROT_READ | PROT_WRITE);
  memcpy(host(addr), in, len);
  for (uint32_t a = first; a - first < span; a += kPage)
    mprotect(host(a), kPage, host_prot_of(a / kPage));
}

bool GuestSpace::read_string(uint32_t addr, std::string& out, size_t max) const {
  out.clear();
  for (size_t i = 0; i < max; ++i) {
    const uint64_t a = uint64_t(addr) + i;
    if (a >= kSize) return false;
    if ((i == 0 || (a & (kPage - 1)) == 0) && !readable(uint32_t(a), 1)) return false;
    const char c = char(m_base[a]);
    if (c == 0) return true;
    out.push_back(c);
  }
  return false;
}

}  // namespace dynemu::user
