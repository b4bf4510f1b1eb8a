#include "emulator/x86/system/task.h"

#include <initializer_list>

#include "emulator/x86/lazy_flags.h"
#include "emulator/x86/system/descriptors.h"
#include "emulator/x86/system/memory.h"

namespace dynemu::x86 {
namespace {

using ir::GuestEnv;

// Field offsets of the 32- and 16-bit TSS (SDM vol. 3, figures 7-2, 7-11).
struct TssLayout {
  uint32_t eip, eflags, gpr, seg, ldt, cr3;
  unsigned width;      // bytes of EIP/EFLAGS/GPR fields
  uint32_t min_limit;  // the smallest valid limit
  unsigned num_segs;   // ES CS SS DS (FS GS)
};
constexpr TssLayout kTss32{0x20, 0x24, 0x28, 0x48, 0x60, 0x1c, 4, 0x67, 6};
constexpr TssLayout kTss16{0x0e, 0x10, 0x12, 0x22, 0x2a, 0, 2, 0x2b, 4};

bool is_tss32(unsigned type) {
  return type == kTss32Available || type == kTss32Busy;
}

// Sets or clears the busy bit (type bit 1) of the TSS descriptor `sel`.
Status set_busy(GuestEnv& env, uint16_t sel, bool busy) {
  uint32_t where;
  if (!descriptor_address(*env.state, sel, where)) return {};
  uint8_t type_byte;
  SYS_TRY(read_mem(env, Access::Supervisor, where + 5, &type_byte, 1));
  type_byte = busy ? (type_byte | 2) : (type_byte & ~2);
  return write_mem(env, Access::Supervisor, where + 5, &type_byte, 1);
}

struct TaskImage {
  uint32_t eip = 0, eflags = 0, cr3 = 0;
  uint32_t gpr[8] = {};
  uint16_t seg[6] = {};
  uint16_t ldt = 0;
};

Status read_image(GuestEnv& env, uint32_t base, const TssLayout& l, TaskImage& t) {
  SYS_TRY(read_value(env, Access::Supervisor, base + l.eip, l.width, t.eip));
  SYS_TRY(read_value(env, Access::Supervisor, base + l.eflags, l.width, t.eflags));
  for (unsigned r = 0; r < 8; ++r)
    SYS_TRY(read_value(env, Access::Supervisor, base + l.gpr + r * l.width, l.width, t.gpr[r]));
  for (unsigned i = 0; i < l.num_segs; ++i) {
    uint32_t v;
    SYS_TRY(read_value(env, Access::Supervisor, base + l.seg + i * (l.width == 4 ? 4 : 2), 2, v));
    t.seg[i] = static_cast<uint16_t>(v);
  }
  uint32_t ldt;
  SYS_TRY(read_value(env, Access::Supervisor, base + l.ldt, 2, ldt));
  t.ldt = static_cast<uint16_t>(ldt);
  if (l.cr3) SYS_TRY(read_value(env, Access::Supervisor, base + l.cr3, 4, t.cr3));
  return {};
}

Status write_state(GuestEnv& env, uint32_t base, const TssLayout& l, uint32_t eip,
                   uint32_t eflags) {
  const CpuState& s = *env.state;
  SYS_TRY(write_value(env, Access::Supervisor, base + l.eip, l.width, eip));
  SYS_TRY(write_value(env, Access::Supervisor, base + l.eflags, l.width, eflags));
  for (unsigned r = 0; r < 8; ++r)
    SYS_TRY(write_value(env, Access::Supervisor, base + l.gpr + r * l.width, l.width, s.gpr[r]));
  for (unsigned i = 0; i < l.num_segs; ++i)
    SYS_TRY(write_value(env, Access::Supervisor, base + l.seg + i * (l.width == 4 ? 4 : 2), 2,
                        s.seg[i].selector));
  return {};
}

// Loads the new task's LDTR, CS, SS and data segments with the checks of
// SDM vol. 3, 7.3 step 14 (faults are #TS(selector)).
Status load_task_segments(GuestEnv& env, const TaskImage& t, unsigned num_segs) {
  CpuState& s = *env.state;
  // LDTR first: the other selectors may point into it.
  if ((t.ldt & 0xfffc) == 0) {
    s.ldtr = SegmentCache{t.ldt, 0, 0, 0};
  } else {
    if (t.ldt & 4) return Fault{kVecTS, static_cast<uint32_t>(t.ldt & 0xfffc)};
    Descriptor d;
    SYS_TRY(fetch_descriptor(env, t.ldt, d, kVecTS, 0));
    if (!d.is_system() || d.type() != kLdt)
      return Fault{kVecTS, static_cast<uint32_t>(t.ldt & 0xfffc)};
    if (!d.present()) return Fault{kVecNP, static_cast<uint32_t>(t.ldt & 0xfffc)};
    s.ldtr = make_cache(t.ldt, d);
  }
  if (s.eflags & kVM) {
    for (unsigned i = 0; i < num_segs; ++i) load_real_segment(s, i, t.seg[i]);
    return {};
  }
  const uint16_t cs_sel = t.seg[kCs];
  const unsigned cpl = cs_sel & 3;
  {
    const uint32_t error = cs_sel & 0xfffc;
    if (error == 0) return Fault{kVecTS, 0};
    Descriptor d;
    SYS_TRY(fetch_descriptor(env, cs_sel, d, kVecTS, 0));
    if (!d.is_code()) return Fault{kVecTS, error};
    if (d.conforming() ? d.dpl() > cpl : d.dpl() != cpl) return Fault{kVecTS, error};
    if (!d.present()) return Fault{kVecNP, error};
    SYS_TRY(mark_accessed(env, cs_sel, d));
    s.seg[kCs] = make_cache(cs_sel, d);
  }
  {
    Descriptor d;
    SYS_TRY(check_stack_segment(env, t.seg[kSs], cpl, kVecTS, 0, d));
    SYS_TRY(mark_accessed(env, t.seg[kSs], d));
    s.seg[kSs] = make_cache(t.seg[kSs], d);
  }
  for (unsigned seg : {kEs, kDs, kFs, kGs}) {
    if (seg >= num_segs) {
      s.seg[seg] = SegmentCache{0, 0, 0, 0};
      continue;
    }
    const uint16_t sel = t.seg[seg];
    const uint32_t error = sel & 0xfffc;
    if (error == 0) {
      s.seg[seg] = SegmentCache{sel, 0, 0, 0};
      continue;
    }
    Descriptor d;
    SYS_TRY(fetch_descriptor(env, sel, d, kVecTS, 0));
    if (!d.is_segment() || !d.readable()) return Fault{kVecTS, error};
    if (!d.conforming() && d.dpl() < (cpl > (sel & 3u) ? cpl : (sel & 3u)))
      return Fault{kVecTS, error};
    if (!d.present()) return Fault{kVecNP, error};
    SYS_TRY(mark_accessed(env, sel, d));
    s.seg[seg] = make_cache(sel, d);
  }
  return {};
}

}  // namespace

Status task_switch(GuestEnv& env, uint16_t sel, TaskSwitchReason reason, uint32_t ext,
                   uint32_t return_eip) {
  CpuState& s = *env.state;
  const uint32_t error = static_cast<uint32_t>(sel & 0xfffc) | ext;
  const bool iret = reason == TaskSwitchReason::Iret;
  // The new TSS descriptor: in the GDT, available (busy for IRET), present.
  if (sel & 4) return Fault{iret ? kVecTS : kVecGP, error};
  Descriptor d;
  SYS_TRY(fetch_descriptor(env, sel, d, iret ? kVecTS : kVecGP, ext));
  const unsigned type = d.type();
  const bool tss = d.is_system() && (type & 5) == 1;  // 1, 3, 9, 11
  const bool busy = type & 2;
  if (!tss || busy != iret) return Fault{iret ? kVecTS : kVecGP, error};
  if (!d.present()) return Fault{kVecNP, error};
  const TssLayout& nl = is_tss32(type) ? kTss32 : kTss16;
  if (d.limit() < nl.min_limit) return Fault{kVecTS, error};
  const TssLayout& ol = is_tss32(s.tr.flags & kSegType) ? kTss32 : kTss16;
  if (s.tr.limit < ol.min_limit)
    return Fault{kVecTS, static_cast<uint32_t>(s.tr.selector & 0xfffc) | ext};

  TaskImage next;
  SYS_TRY(read_image(env, d.base(), nl, next));

  // Save the old task. IRET saves NT clear; JMP and IRET free the old TSS.
  uint32_t old_flags = read_eflags(s);
  if (iret) old_flags &= ~kNT;
  SYS_TRY(write_state(env, s.tr.base, ol, return_eip, old_flags));
  if (reason == TaskSwitchReason::Jump || iret) SYS_TRY(set_busy(env, s.tr.selector, false));
  if (reason == TaskSwitchReason::Call || reason == TaskSwitchReason::Interrupt) {
    SYS_TRY(write_value(env, Access::Supervisor, d.base(), 2, s.tr.selector));
    next.eflags |= kNT;
  }
  if (!iret) SYS_TRY(set_busy(env, sel, true));

  // Switch: from here faults belong to the new task.
  d.hi |= 0x200;
  s.tr = make_cache(sel, d);
  s.cr[0] |= 8;  // CR0.TS
  if (nl.width == 2) next.eflags = (s.eflags & 0xffff0000u) | (next.eflags & 0xffff);
  if (nl.cr3 && (s.cr[0] & 0x80000000u) && next.cr3 != s.cr[3]) {
    s.cr[3] = next.cr3;
    env.flush_tlb(false);
  }
  write_eflags(s, next.eflags | 2);
  for (unsigned r = 0; r < 8; ++r)
    s.gpr[r] = nl.width == 4 ? next.gpr[r] : (s.gpr[r] & 0xffff0000u) | (next.gpr[r] & 0xffff);
  s.eip = next.eip;
  // Selectors first, so that a fault below leaves the new task's selectors
  // visible to its handler (the caches are loaded one by one).
  for (unsigned i = 0; i < 6; ++i) s.seg[i].selector = i < nl.num_segs ? next.seg[i] : 0;
  s.ldtr.selector = next.ldt;
  SYS_TRY(load_task_segments(env, next, nl.num_segs));
  if (s.eip > s.seg[kCs].limit) return Fault{kVecGP, 0};
  return {};
}

}  // namespace dynemu::x86
