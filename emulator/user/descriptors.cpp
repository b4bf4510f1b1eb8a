#include "emulator/user/descriptors.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace dynemu::user {

using abi::UserDesc;

uint64_t Descriptors::encode(const UserDesc& d) {
  const uint32_t base = d.base_addr, limit = d.limit;
  const uint32_t contents = (d.flags >> abi::kUdContentsShift) & 3;
  uint32_t type = ((d.flags & abi::kUdReadExecOnly) ? 0 : 1) << 1;
  type |= contents << 2;
  type |= 1;  // accessed, as Linux sets it
  const uint32_t low = (base & 0xffff) << 16 | (limit & 0xffff);
  uint32_t high = ((base >> 16) & 0xff) | type << 8 | 1u << 12 /* S */ | 3u << 13 /* DPL */;
  if (!(d.flags & abi::kUdNotPresent)) high |= 1u << 15;
  high |= limit & 0xf0000;
  if (d.flags & abi::kUdUseable) high |= 1u << 20;
  if (d.flags & abi::kUdSeg32) high |= 1u << 22;
  if (d.flags & abi::kUdLimitInPages) high |= 1u << 23;
  high |= base & 0xff000000;
  return uint64_t(high) << 32 | low;
}

UserDesc Descriptors::decode(uint64_t desc, uint32_t entry) {
  const uint32_t low = uint32_t(desc), high = uint32_t(desc >> 32);
  UserDesc d{};
  d.entry_number = entry;
  d.base_addr = (low >> 16) | (high & 0xff) << 16 | (high & 0xff000000);
  d.limit = (low & 0xffff) | (high & 0xf0000);
  const uint32_t type = (high >> 8) & 0xf;
  uint32_t f = 0;
  if (high & (1u << 22)) f |= abi::kUdSeg32;
  f |= ((type >> 2) & 3) << abi::kUdContentsShift;
  if (!(type & 2)) f |= abi::kUdReadExecOnly;
  if (high & (1u << 23)) f |= abi::kUdLimitInPages;
  if (!(high & (1u << 15))) f |= abi::kUdNotPresent;
  if (high & (1u << 20)) f |= abi::kUdUseable;
  d.flags = f;
  return d;
}

bool Descriptors::is_empty(const UserDesc& d) {
  const uint32_t f = d.flags;
  return d.base_addr == 0 && d.limit == 0 && ((f >> abi::kUdContentsShift) & 3) == 0 &&
         (f & abi::kUdReadExecOnly) && !(f & abi::kUdSeg32) && !(f & abi::kUdLimitInPages) &&
         (f & abi::kUdNotPresent) && !(f & abi::kUdUseable);
}

x86::SegmentCache Descriptors::cache_of(uint16_t selector, uint64_t desc) {
  const uint32_t low = uint32_t(desc), high = uint32_t(desc >> 32);
  x86::SegmentCache c;
  c.selector = selector;
  c.base = (low >> 16) | (high & 0xff) << 16 | (high & 0xff000000);
  uint32_t limit = (low & 0xffff) | (high & 0xf0000);
  if (high & (1u << 23)) limit = limit << 12 | 0xfff;
  c.limit = limit;
  c.flags = (high >> 8) & 0xffff;  // as emulator/x86/helpers.cpp loads it
  return c;
}

uint64_t Descriptors::gdt_entry(unsigned i) const {
  uint64_t d = 0;
  memcpy(&d, m_space.host(kGdtAddr + i * 8), 8);
  return d;
}

uint64_t Descriptors::ldt_entry(unsigned i) const {
  if (!m_ldt_mapped) return 0;
  uint64_t d = 0;
  memcpy(&d, m_space.host(kLdtAddr + i * 8), 8);
  return d;
}

void Descriptors::save_tls(uint64_t (&tls)[3]) const {
  for (unsigned i = 0; i < 3; ++i) tls[i] = gdt_entry(kTlsMin + i);
}

void Descriptors::load_tls(const uint64_t (&tls)[3]) {
  bool same = true;
  for (unsigned i = 0; i < 3; ++i) same = same && gdt_entry(kTlsMin + i) == tls[i];
  if (!same) m_space.poke(kGdtAddr + kTlsMin * 8, tls, sizeof tls);
}

void Descriptors::set_gdt(unsigned i, uint64_t desc) {
  m_space.poke(kGdtAddr + i * 8, &desc, 8);
}

Result<void> Descriptors::install(x86::CpuState& s) {
  // The guest may read its descriptor tables (LSL, LAR, segment loads) but
  // changes them only through system calls.
  TRY(m_space.map_fixed(kGdtAddr, GuestSpace::kPage, kProtRead, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                        0));
  UserDesc flat{};
  flat.limit = 0xfffff;
  flat.flags = abi::kUdSeg32 | abi::kUdLimitInPages;
  UserDesc code = flat;
  code.flags |= 2u << abi::kUdContentsShift;  // code, readable
  set_gdt(kUserCs, encode(code));
  set_gdt(kUserDs, encode(flat));
  // The LDT's system descriptor (type 2), present, DPL 0; empty until used.
  const uint32_t base = kLdtAddr, limit = 0;
  const uint32_t low = (base & 0xffff) << 16 | limit;
  const uint32_t high = ((base >> 16) & 0xff) | 2u << 8 | 1u << 15 | (base & 0xff000000);
  set_gdt(kLdtEntry, uint64_t(high) << 32 | low);

  s.gdtr.base = kGdtAddr;
  s.gdtr.limit = kGdtEntries * 8 - 1;
  s.ldtr = cache_of(kLdtEntry * 8, gdt_entry(kLdtEntry));
  s.ldtr.limit = 0;
  s.seg[x86::kCs] = cache_of(kCsSelector, gdt_entry(kUserCs));
  for (auto r : {x86::kDs, x86::kEs, x86::kSs})
    s.seg[r] = cache_of(kDsSelector, gdt_entry(kUserDs));
  // FS and GS start null, as the kernel leaves them.
  s.seg[x86::kFs] = x86::SegmentCache{0, 0, 0, 0};
  s.seg[x86::kGs] = x86::SegmentCache{0, 0, 0, 0};
  s.cr[0] |= 1;  // protected mode
  return Ok{};
}

uint64_t Descriptors::descriptor_of(uint16_t selector) const {
  const unsigned index = selector >> 3;
  if (selector & 4) return index < kLdtEntries ? ldt_entry(index) : 0;
  return index < kGdtEntries ? gdt_entry(index) : 0;
}

bool Descriptors::load_segment(x86::CpuState& s, int reg, uint16_t selector) const {
  if ((selector & ~3) == 0 && reg != x86::kCs && reg != x86::kSs) {
    s.seg[reg] = x86::SegmentCache{selector, 0, 0, 0};
    return true;
  }
  const uint64_t d = descriptor_of(selector);
  const bool present = (d >> 47) & 1, user = (d >> 44) & 1;
  const unsigned dpl = (d >> 45) & 3;
  if (!d || !present || !user || dpl != 3 || (selector & 3) != 3) {
    s.seg[reg] = x86::SegmentCache{0, 0, 0, 0};
    return false;
  }
  s.seg[reg] = cache_of(selector, d);
  return true;
}

void Descriptors::refresh_segments(x86::CpuState& s) {
  for (unsigned r = 0; r < 6; ++r) {
    const uint16_t sel = s.seg[r].selector;
    if ((sel & ~3) == 0) continue;
    const uint64_t d = descriptor_of(sel);
    if (d && (d >> 47) & 1) s.seg[r] = cache_of(sel, d);
  }
}

int Descriptors::set_thread_area(x86::CpuState& s, UserDesc& d) {
  uint32_t idx = d.entry_number;
  if (idx == 0xffffffff) {
    for (idx = kTlsMin; idx <= kTlsMax; ++idx)
      if (gdt_entry(idx) == 0) break;
    if (idx > kTlsMax) return -ESRCH;
    d.entry_number = idx;
  }
  if (idx < kTlsMin || idx > kTlsMax) return -EINVAL;
  const uint32_t contents = (d.flags >> abi::kUdContentsShift) & 3;
  if (contents == 3 && !(d.flags & abi::kUdNotPresent)) return -EINVAL;
  set_gdt(idx, is_empty(d) ? 0 : encode(d));
  refresh_segments(s);
  return 0;
}

int Descriptors::get_thread_area(UserDesc& d) const {
  const uint32_t idx = d.entry_number;
  if (idx < kTlsMin || idx > kTlsMax) return -EINVAL;
  const uint64_t desc = gdt_entry(idx);
  d = desc ? decode(desc, idx) : UserDesc{idx, 0, 0, abi::kUdReadExecOnly | abi::kUdNotPresent};
  return 0;
}

int Descriptors::modify_ldt(x86::CpuState& s, int func, uint32_t ptr, uint32_t count) {
  switch (func) {
    case 0: {  // read the LDT
      const uint32_t size = kLdtEntries * 8;
      const uint32_t n = std::min(count, m_ldt_mapped ? s.ldtr.limit + 1 : 0u);
      if (n == 0) return 0;
      if (!m_space.write(ptr, m_space.host(kLdtAddr), n)) return -EFAULT;
      (void)size;
      return int(n);
    }
    case 2: {  // the default LDT: empty, reads as zeros
      const uint32_t n = std::min(count, 5u * 8);
      std::vector<uint8_t> zero(n, 0);
      if (!m_space.write(ptr, zero.data(), n)) return -EFAULT;
      return int(n);
    }
    case 1:
    case 0x11: {
      const bool oldmode = func == 1;
      if (count != sizeof(UserDesc)) return -EINVAL;
      UserDesc d;
      if (!m_space.read_obj(ptr, d)) return -EFAULT;
      if (d.entry_number >= kLdtEntries) return -EINVAL;
      const uint32_t contents = (d.flags >> abi::kUdContentsShift) & 3;
      if (contents == 3 && (oldmode || !(d.flags & abi::kUdNotPresent))) return -EINVAL;
      if (!m_ldt_mapped) {
        auto r = m_space.map_fixed(kLdtAddr, kLdtEntries * 8, kProtRead,
                                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (!r) return -ENOMEM;
        m_ldt_mapped = true;
      }
      const bool empty = (oldmode && d.base_addr == 0 && d.limit == 0) || is_empty(d);
      const uint64_t desc = empty ? 0 : encode(d);
      m_space.poke(kLdtAddr + d.entry_number * 8, &desc, 8);
      // The LDT grows to cover the highest entry written, like Linux's.
      const uint32_t limit = std::max<uint32_t>(s.ldtr.limit, (d.entry_number + 1) * 8 - 1);
      s.ldtr.limit = limit;
      const uint32_t base = kLdtAddr;
      const uint32_t low = (base & 0xffff) << 16 | (limit & 0xffff);
      const uint32_t high =
          ((base >> 16) & 0xff) | 2u << 8 | 1u << 15 | (limit & 0xf0000) | (base & 0xff000000);
      set_gdt(kLdtEntry, uint64_t(high) << 32 | low);
      refresh_segments(s);
      return 0;
    }
    default: return -ENOSYS;
  }
}

}  // namespace dynemu::user
