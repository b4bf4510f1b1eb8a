#include "emulator/x86/system/descriptors.h"

#include "emulator/x86/system/memory.h"

namespace dynemu::x86 {

bool descriptor_address(const CpuState& s, uint16_t sel, uint32_t& linear) {
  const bool ldt = sel & 4;
  if (ldt && (s.ldtr.selector & 0xfffc) == 0) return false;
  const uint32_t base = ldt ? s.ldtr.base : s.gdtr.base;
  const uint32_t limit = ldt ? s.ldtr.limit : s.gdtr.limit;
  const uint32_t index = sel & 0xfff8;
  if (index + 7 > limit) return false;
  linear = base + index;
  return true;
}

Status fetch_descriptor(ir::GuestEnv& env, uint16_t sel, Descriptor& d, uint8_t vector,
                        uint32_t ext) {
  uint32_t where;
  if (!descriptor_address(*env.state, sel, where))
    return Fault{vector, static_cast<uint32_t>(sel & 0xfffc) | ext};
  uint32_t words[2];
  SYS_TRY(read_mem(env, Access::Supervisor, where, words, 8));
  d.lo = words[0];
  d.hi = words[1];
  return {};
}

Status mark_accessed(ir::GuestEnv& env, uint16_t sel, Descriptor& d) {
  if (!d.is_segment() || (d.hi & 0x100)) return {};
  uint32_t where;
  if (!descriptor_address(*env.state, sel, where)) return {};
  d.hi |= 0x100;
  const uint8_t type_byte = static_cast<uint8_t>(d.hi >> 8);
  return write_mem(env, Access::Supervisor, where + 5, &type_byte, 1);
}

SegmentCache make_cache(uint16_t sel, const Descriptor& d) {
  return SegmentCache{sel, d.base(), d.limit(), d.cache_flags()};
}

void load_real_segment(CpuState& s, unsigned seg, uint16_t sel) {
  SegmentCache& c = s.seg[seg];
  c.selector = sel;
  c.base = uint32_t{sel} << 4;
  if (s.eflags & kVM) {
    c.limit = 0xffff;
    c.flags = 0xf3;  // present, DPL 3, read/write data, accessed; 16-bit
  }
}

Status check_stack_segment(ir::GuestEnv& env, uint16_t sel, unsigned cpl, uint8_t vector,
                           uint32_t ext, Descriptor& d) {
  const uint32_t error = static_cast<uint32_t>(sel & 0xfffc) | ext;
  if ((sel & 0xfffc) == 0) return Fault{vector, ext};
  SYS_TRY(fetch_descriptor(env, sel, d, vector, ext));
  if ((sel & 3u) != cpl || d.dpl() != cpl || !d.writable()) return Fault{vector, error};
  if (!d.present()) return Fault{kVecSS, error};
  return {};
}

Status load_protected_segment(ir::GuestEnv& env, unsigned seg, uint16_t sel) {
  CpuState& s = *env.state;
  const uint32_t error = sel & 0xfffc;
  const unsigned cpl = cpl_of(s);
  Descriptor d;
  if (seg == kSs) {
    SYS_TRY(check_stack_segment(env, sel, cpl, kVecGP, 0, d));
  } else {
    if ((sel & 0xfffc) == 0) {
      // A null selector loads; using it faults later.
      s.seg[seg] = SegmentCache{sel, 0, 0, 0};
      return {};
    }
    SYS_TRY(fetch_descriptor(env, sel, d, kVecGP, 0));
    const unsigned rpl = sel & 3;
    if (!d.is_segment() || !d.readable()) return Fault{kVecGP, error};
    if (!d.conforming() && d.dpl() < (cpl > rpl ? cpl : rpl)) return Fault{kVecGP, error};
    if (!d.present()) return Fault{kVecNP, error};
  }
  SYS_TRY(mark_accessed(env, sel, d));
  s.seg[seg] = make_cache(sel, d);
  return {};
}

bool stack_room(const SegmentCache& ss, uint32_t offset, uint32_t bytes) {
  const bool big = ss.flags & kSegBig;
  const uint32_t top = big ? 0xffffffffu : 0xffffu;
  const bool expand_down = (ss.flags & kSegS) && (ss.flags & 0xc) == 0x4;
  const uint32_t low = (offset - bytes) & top;
  const uint32_t high = (offset - 1) & top;
  // Wrapping past 0 is fine only in a segment that spans its whole range.
  if (expand_down) return high >= low && low > ss.limit;
  if (high < low) return ss.limit >= top;
  return high <= ss.limit;
}

Status tss_stack(ir::GuestEnv& env, unsigned dpl, uint32_t ext, uint16_t& ss, uint32_t& esp) {
  const CpuState& s = *env.state;
  const unsigned type = s.tr.flags & kSegType;
  const bool tss32 = type == kTss32Available || type == kTss32Busy;
  const uint32_t error = static_cast<uint32_t>(s.tr.selector & 0xfffc) | ext;
  if (!(s.tr.flags & kSegPresent)) return Fault{kVecTS, error};
  const uint32_t at = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
  const uint32_t size = tss32 ? 8 : 4;
  if (at + size - 1 > s.tr.limit) return Fault{kVecTS, error};
  uint32_t sp_value, ss_value;
  SYS_TRY(read_value(env, Access::Supervisor, s.tr.base + at, tss32 ? 4 : 2, sp_value));
  SYS_TRY(read_value(env, Access::Supervisor, s.tr.base + at + size / 2, 2, ss_value));
  ss = static_cast<uint16_t>(ss_value);
  esp = sp_value;
  return {};
}

}  // namespace dynemu::x86
