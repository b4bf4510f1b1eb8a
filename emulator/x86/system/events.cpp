#include "emulator/x86/system/events.h"

#include <cstdio>
#include <initializer_list>

#include "emulator/ir/opcodes.h"
#include "emulator/x86/lazy_flags.h"
#include "emulator/x86/system/debug.h"
#include "emulator/x86/system/descriptors.h"
#include "emulator/x86/system/memory.h"
#include "emulator/x86/system/stack.h"
#include "emulator/x86/system/task.h"

namespace dynemu::x86 {
namespace {

using ir::GuestEnv;

// After a task switch (TR is no longer `tr_before`): whether the new 32-bit
// TSS has its T bit (offset 0x64, bit 0) set; then DR6.BT is set and the
// caller delivers a #DB trap before the new task's first instruction (SDM
// vol. 3, 7.2.1 and 17.3.1.5).
bool task_switch_trap(GuestEnv& env, uint16_t tr_before) {
  CpuState& s = *env.state;
  if (s.tr.selector == tr_before || (s.tr.flags & kSegType) != kTss32Busy) return false;
  uint8_t t = 0;
  if (!read_mem(env, Access::Supervisor, s.tr.base + 0x64, &t, 1) || !(t & 1)) return false;
  s.dr[6] |= kDr6Bt;
  return true;
}

bool pushes_error_code(uint8_t vector) {
  return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

// SDM vol. 3, table 6-4: which exception pairs make a double fault.
enum class FaultClass : uint8_t { Benign, Contributory, PageFault };

FaultClass classify(uint8_t vector) {
  switch (vector) {
    case 0:
    case 10:
    case 11:
    case 12:
    case 13: return FaultClass::Contributory;
    case 14: return FaultClass::PageFault;
    default: return FaultClass::Benign;
  }
}

// Real mode (SDM vol. 2, INT n, REAL-ADDRESS-MODE): the IVT entry is
// offset:segment at vector * 4; FLAGS, CS, IP are pushed.
Status deliver_real(GuestEnv& env, uint8_t vector, uint32_t return_eip) {
  CpuState& s = *env.state;
  if (uint32_t{vector} * 4 + 3 > s.idtr.limit) return Fault{kVecGP, 0};
  uint32_t entry;
  SYS_TRY(read_value(env, Access::Supervisor, s.idtr.base + uint32_t{vector} * 4, 4, entry));
  const bool big = s.seg[kSs].flags & kSegBig;
  StackCursor stack(env, s.seg[kSs].base, s.gpr[kEsp], big, Access::Supervisor);
  const uint32_t flags = read_eflags(s);
  SYS_TRY(stack.push(flags, 2));
  SYS_TRY(stack.push(s.seg[kCs].selector, 2));
  SYS_TRY(stack.push(return_eip, 2));
  stack.commit(s);
  write_eflags(s, flags & ~(kIF | kTF | kAC));
  load_real_segment(s, kCs, static_cast<uint16_t>(entry >> 16));
  s.eip = entry & 0xffff;
  return {};
}

// Protected and virtual-8086 mode through an interrupt or trap gate (SDM
// vol. 2, INT n, PROTECTED-MODE and the INTERRUPT-TO-INNER/SAME-PRIVILEGE
// cases; vol. 3, 6.12).
Status deliver_protected(GuestEnv& env, uint8_t vector, EventKind kind, uint32_t error_code,
                         uint32_t return_eip) {
  CpuState& s = *env.state;
  const bool software = kind == EventKind::SoftwareInt || kind == EventKind::SoftwareTrap;
  const uint32_t ext = software ? 0 : 1;
  const uint32_t idt_error = uint32_t{vector} * 8 + 2 + ext;
  if (uint32_t{vector} * 8 + 7 > s.idtr.limit) return Fault{kVecGP, idt_error};
  Descriptor gate;
  {
    uint32_t words[2];
    SYS_TRY(read_mem(env, Access::Supervisor, s.idtr.base + uint32_t{vector} * 8, words, 8));
    gate.lo = words[0];
    gate.hi = words[1];
  }
  const unsigned type = gate.type();
  const bool int_gate = type == kIntGate16 || type == kIntGate32;
  const bool trap_gate = type == kTrapGate16 || type == kTrapGate32;
  if (gate.is_segment() || !(int_gate || trap_gate || type == kTaskGate))
    return Fault{kVecGP, idt_error};
  const unsigned cpl = cpl_of(s);
  if (software && gate.dpl() < cpl) return Fault{kVecGP, idt_error};
  if (!gate.present()) return Fault{kVecNP, idt_error};
  const bool push_error = kind == EventKind::Exception && pushes_error_code(vector);

  if (type == kTaskGate) {
    SYS_TRY(task_switch(env, gate.gate_selector(), TaskSwitchReason::Interrupt, ext, return_eip));
    if (push_error) {
      // The error code goes on the new task's stack (SDM vol. 3, 6.12.2).
      const bool big = s.seg[kSs].flags & kSegBig;
      const bool tss32 = (s.tr.flags & kSegType) == kTss32Busy;
      StackCursor stack(env, s.seg[kSs].base, s.gpr[kEsp], big, Access::Supervisor);
      SYS_TRY(stack.push(error_code, tss32 ? 4 : 2));
      stack.commit(s);
    }
    return {};
  }

  const uint16_t sel = gate.gate_selector();
  const uint32_t sel_error = static_cast<uint32_t>(sel & 0xfffc) | ext;
  if ((sel & 0xfffc) == 0) return Fault{kVecGP, ext};
  Descriptor code;
  SYS_TRY(fetch_descriptor(env, sel, code, kVecGP, ext));
  if (!code.is_code() || code.dpl() > cpl) return Fault{kVecGP, sel_error};
  if (!code.present()) return Fault{kVecNP, sel_error};

  const bool gate32 = gate.gate32();
  const unsigned bytes = gate32 ? 4 : 2;
  const uint32_t offset = gate32 ? gate.gate_offset() : gate.gate_offset() & 0xffff;
  if (offset > code.limit()) return Fault{kVecGP, ext};
  const bool vm86 = s.eflags & kVM;
  const uint32_t flags = read_eflags(s);
  const bool inner = !code.conforming() && code.dpl() < cpl;
  const unsigned new_cpl = inner ? code.dpl() : cpl;
  if (vm86 && (!inner || new_cpl != 0)) return Fault{kVecGP, sel_error};

  SegmentCache new_ss = s.seg[kSs];
  uint32_t new_sp;
  const unsigned frame = (vm86 ? 9u : inner ? 5u : 3u) + (push_error ? 1u : 0u);
  if (inner) {
    uint16_t ss_sel;
    uint32_t esp;
    SYS_TRY(tss_stack(env, new_cpl, ext, ss_sel, esp));
    Descriptor ss_desc;
    SYS_TRY(check_stack_segment(env, ss_sel, new_cpl, kVecTS, ext, ss_desc));
    SYS_TRY(mark_accessed(env, ss_sel, ss_desc));
    new_ss = make_cache(ss_sel, ss_desc);
    new_sp = esp;
    if (!stack_room(new_ss, new_sp, frame * bytes))
      return Fault{kVecSS, static_cast<uint32_t>(ss_sel & 0xfffc) | ext};
  } else {
    new_sp = s.gpr[kEsp];
    if (!stack_room(new_ss, new_sp, frame * bytes)) return Fault{kVecSS, ext};
  }
  const bool big = new_ss.flags & kSegBig;
  if (!big) new_sp &= 0xffff;
  StackCursor stack(env, new_ss.base, new_sp, big, inner ? Access::Supervisor : Access::Cpl);
  if (vm86) {
    SYS_TRY(stack.push(s.seg[kGs].selector, bytes));
    SYS_TRY(stack.push(s.seg[kFs].selector, bytes));
    SYS_TRY(stack.push(s.seg[kDs].selector, bytes));
    SYS_TRY(stack.push(s.seg[kEs].selector, bytes));
  }
  if (inner) {
    SYS_TRY(stack.push(s.seg[kSs].selector, bytes));
    SYS_TRY(stack.push(s.gpr[kEsp], bytes));
  }
  SYS_TRY(stack.push(flags, bytes));
  SYS_TRY(stack.push(s.seg[kCs].selector, bytes));
  SYS_TRY(stack.push(return_eip, bytes));
  if (push_error) SYS_TRY(stack.push(error_code, bytes));
  SYS_TRY(mark_accessed(env, sel, code));

  // Nothing faults from here on: commit.
  if (vm86) {
    for (unsigned seg : {kEs, kDs, kFs, kGs}) s.seg[seg] = SegmentCache{0, 0, 0, 0};
  }
  if (inner) {
    s.seg[kSs] = new_ss;
    s.gpr[kEsp] = stack.sp();
  } else {
    stack.commit(s);
  }
  s.seg[kCs] = make_cache(static_cast<uint16_t>((sel & 0xfffc) | new_cpl), code);
  uint32_t new_flags = flags & ~(kTF | kNT | kVM | kRF);
  if (int_gate) new_flags &= ~kIF;
  write_eflags(s, new_flags);
  s.eip = offset;
  return {};
}

// INT n / INT3 / INTO in system mode, called from IR: the EIP of the INT
// instruction stays in the state until delivery succeeds.
uint64_t software_interrupt(GuestEnv& env, uint64_t vector, uint64_t kind, uint64_t next_eip,
                            uint64_t) {
  CpuState& s = *env.state;
  const auto k = static_cast<EventKind>(kind);
  if ((s.eflags & kVM) && k == EventKind::SoftwareInt && iopl_of(s) < 3) {
    env.raise(kVecGP, 0);
    return 0;
  }
  const uint16_t tr_before = s.tr.selector;
  // Through a task gate, a fault after the switch committed belongs to the
  // new task; finish_helper() handles that.
  return finish_helper(
      env, deliver_once(env, static_cast<uint8_t>(vector), k, 0, static_cast<uint32_t>(next_eip)),
      tr_before);
}

// -d int, as QEMU's: vector, error code, software interrupt or not, CPL,
// CS:EIP (the EIP the frame gets), its linear address, SS:ESP, EFLAGS,
// and CR2 for #PF. One line per delivery attempt (a #DF shows as its own).
void log_event(const CpuState& s, uint8_t vector, EventKind kind, uint32_t error_code,
               uint32_t return_eip) {
  const bool soft = kind == EventKind::SoftwareInt || kind == EventKind::SoftwareTrap;
  const bool has_error = kind == EventKind::Exception && pushes_error_code(vector);
  std::fprintf(stderr, "int: v=%02x e=%04x i=%d cpl=%u IP=%04x:%08x pc=%08x SP=%04x:%08x EFL=%08x",
               vector, has_error ? error_code : 0, soft ? 1 : 0, cpl_of(s), s.seg[kCs].selector,
               return_eip, s.seg[kCs].base + return_eip, s.seg[kSs].selector, s.gpr[kEsp],
               read_eflags(s));
  if (kind == EventKind::Exception && vector == kVecPF) std::fprintf(stderr, " CR2=%08x", s.cr[2]);
  if (kind == EventKind::External) std::fprintf(stderr, " (external)");
  std::fputc('\n', stderr);
}

}  // namespace

uint64_t finish_helper(GuestEnv& env, const Status& st, uint16_t tr_before) {
  CpuState& s = *env.state;
  if (st.ok()) {
    if (!task_switch_trap(env, tr_before) || deliver_event(env, kVecDB, EventKind::Exception, 0))
      return s.eip;
    env.raise(kVecDB);
    return 0;
  }
  const Fault& f = st.fault();
  if (s.tr.selector != tr_before) {
    if (f.vector == kVecPF) s.cr[2] = f.addr;
    if (deliver_event(env, f.vector, EventKind::Exception, f.error_code)) return s.eip;
  }
  env.raise(f.vector, f.error_code, f.addr);
  return 0;
}

Status deliver_once(GuestEnv& env, uint8_t vector, EventKind kind, uint32_t error_code,
                    uint32_t return_eip) {
  if (env.log_int) log_event(*env.state, vector, kind, error_code, return_eip);
  if (!(env.state->cr[0] & 1)) return deliver_real(env, vector, return_eip);
  return deliver_protected(env, vector, kind, error_code, return_eip);
}

bool deliver_event(GuestEnv& env, uint8_t vector, EventKind kind, uint32_t error_code) {
  CpuState& s = *env.state;
  // An interrupt taken before a null FS/GS retry ran: the handler's code
  // keeps its usual block keys (the instruction retries after IRET).
  s.null_seg_retry = 0;
  uint16_t tr_before = s.tr.selector;
  // At most three rounds can matter: the event, a second fault (or #DF),
  // #DF; or the event through a task gate and the T bit's #DB.
  for (int round = 0; round < 4; ++round) {
    const Status st = deliver_once(env, vector, kind, error_code, s.eip);
    if (st) {
      if (!task_switch_trap(env, tr_before)) return true;
      tr_before = s.tr.selector;
      vector = kVecDB;
      kind = EventKind::Exception;
      error_code = 0;
      continue;
    }
    const Fault& f = st.fault();
    if (f.vector == kVecPF) s.cr[2] = f.addr;
    if (kind == EventKind::Exception && vector == kVecDF) return false;
    const FaultClass first = kind == EventKind::Exception ? classify(vector) : FaultClass::Benign;
    const FaultClass second = classify(f.vector);
    const bool double_fault =
        (first == FaultClass::Contributory && second == FaultClass::Contributory) ||
        (first == FaultClass::PageFault && second != FaultClass::Benign);
    kind = EventKind::Exception;
    vector = double_fault ? uint8_t{kVecDF} : f.vector;
    error_code = double_fault ? 0 : f.error_code;
  }
  return false;
}

const ir::HelperInfo kSoftwareInterruptHelper{
    "software_interrupt", &software_interrupt, ir::Type::I32, 3,
    ir::kReadsState | ir::kWritesState | ir::kReadsCc | ir::kWritesCc | ir::kReadsMem |
        ir::kWritesMem | ir::kMayRaise};

}  // namespace dynemu::x86
