// Guest memory: brk, mmap family. Every change tells the CPU, since the
// guest may have run code in the pages concerned.
#include <sys/mman.h>
#include <unistd.h>

#include "emulator/user/sys_util.h"

namespace dynemu::user {

namespace {

uint32_t do_mmap(Process& p, uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags, int fd,
                 uint64_t offset) {
  auto& s = p.space();
  if (len == 0) return err(EINVAL);
  const uint64_t size = page_up(len);
  if (size > GuestSpace::kSize) return err(ENOMEM);
  if (!(flags & MAP_ANONYMOUS) && (offset & (GuestSpace::kPage - 1))) return err(EINVAL);
  if ((flags & MAP_TYPE) != MAP_SHARED && (flags & MAP_TYPE) != MAP_PRIVATE &&
      (flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
    return err(EINVAL);
  // Flags with a meaning for the guest's own address space are ours.
  int host_flags = int(flags & ~uint32_t(MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_GROWSDOWN |
                                         MAP_32BIT | MAP_DENYWRITE | MAP_EXECUTABLE));
  if (flags & MAP_ANONYMOUS) fd = -1;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    if (addr & (GuestSpace::kPage - 1)) return err(EINVAL);
    if (uint64_t(addr) + size > GuestSpace::kSystemBase) return err(ENOMEM);
    if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !s.is_free(addr, uint32_t(size)) &&
        addr >= GuestSpace::kMmapBottom)
      return err(EEXIST);
  } else {
    addr = s.find_free(uint32_t(size), page_down(addr));
    if (addr == 0) return err(ENOMEM);
  }
  p.invalidate(addr, uint32_t(size));
  if (int e = s.map(addr, uint32_t(size), int(prot), host_flags, fd, offset); e) return err(-e);
  // A new alias of pages that may hold translated code: drop that code, so
  // that the CPU learns the alias when it translates it again.
  for (uint32_t page : s.aliases_of_range(addr, uint32_t(size)))
    p.invalidate(page * GuestSpace::kPage, GuestSpace::kPage);
  return addr;
}

}  // namespace

uint32_t sys_mmap2(Process& p, const SyscallArgs& a) {
  return do_mmap(p, a[0], a[1], a[2], a[3], a.s(4), uint64_t(a[5]) * GuestSpace::kPage);
}

uint32_t sys_old_mmap(Process& p, const SyscallArgs& a) {
  abi::MmapArg32 m;
  if (!p.space().read_obj(a[0], m)) return err(EFAULT);
  return do_mmap(p, m.addr, m.len, m.prot, m.flags, int32_t(m.fd), m.offset);
}

uint32_t sys_munmap(Process& p, const SyscallArgs& a) {
  const uint32_t addr = a[0];
  const uint64_t size = page_up(a[1]);
  if ((addr & (GuestSpace::kPage - 1)) || size == 0) return err(EINVAL);
  if (uint64_t(addr) + size > GuestSpace::kSystemBase) return err(EINVAL);
  p.invalidate(addr, uint32_t(size));
  p.space().unmap(addr, uint32_t(size));
  return 0;
}

uint32_t sys_mprotect(Process& p, const SyscallArgs& a) {
  const uint32_t addr = a[0];
  const uint64_t size = page_up(a[1]);
  if (addr & (GuestSpace::kPage - 1)) return err(EINVAL);
  if (size == 0) return 0;
  if (uint64_t(addr) + size > GuestSpace::kSystemBase) return err(ENOMEM);
  p.invalidate(addr, uint32_t(size));
  // PROT_GROWSDOWN/UP widen the range in Linux; the guest stack is mapped
  // whole, so the flag has nothing to add here.
  return err(-p.space().protect(addr, uint32_t(size), int(a[2] & 7)));
}

uint32_t sys_mremap(Process& p, const SyscallArgs& a) {
  p.invalidate(a[0], a[1]);
  const int64_t r =
      p.space().remap(a[0], a[1], a[2], a[3] & MREMAP_MAYMOVE, a[3] & MREMAP_FIXED, a[4]);
  if (r < 0) return err(int(-r));
  p.invalidate(uint32_t(r), a[2]);
  return uint32_t(r);
}

// Ranges with unmapped pages are -ENOMEM, as in Linux (the host would
// accept our PROT_NONE placeholders).
namespace {
void* mapped_range(Process& p, uint32_t addr, uint32_t len) {
  if (!p.space().is_mapped(addr, len)) return nullptr;
  return host_buf(p, addr, len);
}
}  // namespace

uint32_t sys_madvise(Process& p, const SyscallArgs& a) {
  void* h = mapped_range(p, a[0], a[1]);
  if (!h) return err(ENOMEM);
  if (a.s(2) == MADV_DONTNEED) p.invalidate(a[0], a[1]);
  return host_result(madvise(h, a[1], a.s(2)));
}

uint32_t sys_msync(Process& p, const SyscallArgs& a) {
  void* h = mapped_range(p, a[0], a[1]);
  if (!h) return err(ENOMEM);
  return host_result(msync(h, a[1], a.s(2)));
}

uint32_t sys_mlock(Process& p, const SyscallArgs& a) {
  void* h = mapped_range(p, a[0], a[1]);
  if (!h) return err(ENOMEM);
  return host_result(mlock(h, a[1]));
}

uint32_t sys_munlock(Process& p, const SyscallArgs& a) {
  void* h = mapped_range(p, a[0], a[1]);
  if (!h) return err(ENOMEM);
  return host_result(munlock(h, a[1]));
}

uint32_t sys_brk(Process& p, const SyscallArgs& a) {
  auto& s = p.space();
  const uint32_t want = a[0];
  if (want < s.brk_start) return s.brk_cur;
  const uint64_t old_top = page_up(s.brk_cur), new_top = page_up(want);
  if (new_top > old_top) {
    const uint32_t grow = uint32_t(new_top - old_top);
    if (new_top > GuestSpace::kMmapTop || !s.is_free(uint32_t(old_top), grow)) return s.brk_cur;
    if (s.map(uint32_t(old_top), grow, kProtRead | kProtWrite, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
      return s.brk_cur;
  } else if (new_top < old_top) {
    p.invalidate(uint32_t(new_top), uint32_t(old_top - new_top));
    s.unmap(uint32_t(new_top), uint32_t(old_top - new_top));
  }
  s.brk_cur = want;
  return want;
}

}  // namespace dynemu::user
