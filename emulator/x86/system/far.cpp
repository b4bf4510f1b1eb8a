#include "emulator/x86/system/far.h"

#include <initializer_list>

#include "emulator/ir/opcodes.h"
#include "emulator/x86/lazy_flags.h"
#include "emulator/x86/system/descriptors.h"
#include "emulator/x86/system/events.h"
#include "emulator/x86/system/mode_bits.h"
#include "emulator/x86/system/stack.h"
#include "emulator/x86/system/task.h"

namespace dynemu::x86 {
namespace {

using ir::GuestEnv;

uint32_t sel_error(uint16_t sel) {
  return sel & 0xfffc;
}

bool real_or_vm86(const CpuState& s) {
  return !(s.cr[0] & 1) || (s.eflags & kVM);
}

// The descriptor a far JMP/CALL/RET selector (or call gate target) names; a null selector is
// #GP(0).
Status fetch_far_descriptor(GuestEnv& env, uint16_t sel, Descriptor& d) {
  if (sel_error(sel) == 0) return Fault{kVecGP, 0};
  return fetch_descriptor(env, sel, d, kVecGP, 0);
}

// A code segment as the direct target of JMP/CALL: conforming with
// DPL <= CPL, or non-conforming with RPL <= CPL and DPL = CPL.
Status check_direct_code(uint16_t sel, const Descriptor& d, unsigned cpl) {
  const unsigned rpl = sel & 3;
  if (d.conforming() ? d.dpl() > cpl : (rpl > cpl || d.dpl() != cpl))
    return Fault{kVecGP, sel_error(sel)};
  if (!d.present()) return Fault{kVecNP, sel_error(sel)};
  return {};
}

// A system descriptor JMP or CALL names (call gate, task gate, TSS): DPL >=
// max(CPL, RPL), present.
Status check_system_target(const Descriptor& d, uint16_t sel, unsigned cpl) {
  if (d.dpl() < cpl || d.dpl() < (sel & 3u)) return Fault{kVecGP, sel_error(sel)};
  if (!d.present()) return Fault{kVecNP, sel_error(sel)};
  return {};
}

// The code segment a call gate leads to.
Status gate_target(GuestEnv& env, const Descriptor& gate, uint16_t sel, unsigned cpl,
                   uint16_t& target, Descriptor& code) {
  SYS_TRY(check_system_target(gate, sel, cpl));
  target = gate.gate_selector();
  SYS_TRY(fetch_far_descriptor(env, target, code));
  if (!code.is_code() || code.dpl() > cpl) return Fault{kVecGP, sel_error(target)};
  if (!code.present()) return Fault{kVecNP, sel_error(target)};
  return {};
}

void load_cs(CpuState& s, uint16_t sel, const Descriptor& d, unsigned cpl, uint32_t eip) {
  s.seg[kCs] = make_cache(static_cast<uint16_t>((sel & 0xfffc) | cpl), d);
  s.eip = eip;
}

// CALL to code at the current privilege level, once its checks passed:
// pushes the return CS:EIP (`bytes` wide) and enters `code` at `eip`.
Status call_same_level(GuestEnv& env, uint16_t old_cs, uint32_t return_eip, unsigned bytes,
                       uint16_t sel, Descriptor& code, unsigned cpl, uint32_t eip) {
  CpuState& s = *env.state;
  StackCursor stack(env);
  SYS_TRY(stack.push(old_cs, bytes));
  SYS_TRY(stack.push(return_eip, bytes));
  SYS_TRY(mark_accessed(env, sel, code));
  stack.commit(s);
  load_cs(s, sel, code, cpl, eip);
  return {};
}

bool is_task_target(const Descriptor& d) {
  const unsigned t = d.type();
  return d.is_system() && (t == kTaskGate || t == kTss16Available || t == kTss32Available ||
                           t == kTss16Busy || t == kTss32Busy);
}

uint16_t task_selector(const Descriptor& d, uint16_t sel) {
  return d.type() == kTaskGate ? d.gate_selector() : sel;
}

// JMP ptr16:16/32, JMP m16:16/32
Status far_jmp_impl(GuestEnv& env, uint16_t sel, uint32_t offset, unsigned opsize,
                    uint32_t next_eip) {
  CpuState& s = *env.state;
  if (opsize == 2) offset &= 0xffff;
  if (real_or_vm86(s)) {
    load_real_segment(s, kCs, sel);
    s.eip = offset;
    return {};
  }
  const unsigned cpl = cpl_of(s);
  Descriptor d;
  SYS_TRY(fetch_far_descriptor(env, sel, d));
  if (d.is_code()) {
    SYS_TRY(check_direct_code(sel, d, cpl));
    if (offset > d.limit()) return Fault{kVecGP, 0};
    SYS_TRY(mark_accessed(env, sel, d));
    load_cs(s, sel, d, cpl, offset);
    return {};
  }
  if (d.is_system() && (d.type() == kCallGate16 || d.type() == kCallGate32)) {
    uint16_t target;
    Descriptor code;
    SYS_TRY(gate_target(env, d, sel, cpl, target, code));
    // JMP through a call gate never changes privilege.
    if (!code.conforming() && code.dpl() != cpl) return Fault{kVecGP, sel_error(target)};
    const uint32_t eip = d.gate32() ? d.gate_offset() : d.gate_offset() & 0xffff;
    if (eip > code.limit()) return Fault{kVecGP, 0};
    SYS_TRY(mark_accessed(env, target, code));
    load_cs(s, target, code, cpl, eip);
    return {};
  }
  if (is_task_target(d)) {
    SYS_TRY(check_system_target(d, sel, cpl));
    return task_switch(env, task_selector(d, sel), TaskSwitchReason::Jump, 0, next_eip);
  }
  return Fault{kVecGP, sel_error(sel)};
}

// CALL ptr16:16/32, CALL m16:16/32
Status far_call_impl(GuestEnv& env, uint16_t sel, uint32_t offset, unsigned opsize,
                     uint32_t return_eip) {
  CpuState& s = *env.state;
  if (opsize == 2) offset &= 0xffff;
  const uint16_t old_cs = s.seg[kCs].selector;
  if (real_or_vm86(s)) {
    StackCursor stack(env);
    SYS_TRY(stack.push(old_cs, opsize));
    SYS_TRY(stack.push(return_eip, opsize));
    stack.commit(s);
    load_real_segment(s, kCs, sel);
    s.eip = offset;
    return {};
  }
  const unsigned cpl = cpl_of(s);
  Descriptor d;
  SYS_TRY(fetch_far_descriptor(env, sel, d));
  if (d.is_code()) {
    SYS_TRY(check_direct_code(sel, d, cpl));
    if (!stack_room(s.seg[kSs], s.gpr[kEsp], 2 * opsize)) return Fault{kVecSS, 0};
    if (offset > d.limit()) return Fault{kVecGP, 0};
    return call_same_level(env, old_cs, return_eip, opsize, sel, d, cpl, offset);
  }
  if (is_task_target(d)) {
    SYS_TRY(check_system_target(d, sel, cpl));
    return task_switch(env, task_selector(d, sel), TaskSwitchReason::Call, 0, return_eip);
  }
  if (!d.is_system() || (d.type() != kCallGate16 && d.type() != kCallGate32))
    return Fault{kVecGP, sel_error(sel)};

  // Through a call gate (SDM vol. 3, 5.8.5).
  uint16_t target;
  Descriptor code;
  SYS_TRY(gate_target(env, d, sel, cpl, target, code));
  const unsigned bytes = d.gate32() ? 4 : 2;
  const uint32_t eip = d.gate32() ? d.gate_offset() : d.gate_offset() & 0xffff;
  if (eip > code.limit()) return Fault{kVecGP, 0};
  if (code.conforming() || code.dpl() == cpl) {
    if (!stack_room(s.seg[kSs], s.gpr[kEsp], 2 * bytes)) return Fault{kVecSS, 0};
    return call_same_level(env, old_cs, return_eip, bytes, target, code, cpl, eip);
  }
  // To an inner level: the new stack from the TSS, the old SS:ESP and the
  // gate's parameters copied onto it.
  const unsigned new_cpl = code.dpl();
  uint16_t ss_sel;
  uint32_t esp;
  SYS_TRY(tss_stack(env, new_cpl, 0, ss_sel, esp));
  Descriptor ss_desc;
  SYS_TRY(check_stack_segment(env, ss_sel, new_cpl, kVecTS, 0, ss_desc));
  SegmentCache new_ss = make_cache(ss_sel, ss_desc);
  const unsigned params = d.gate_params();
  if (!stack_room(new_ss, esp, (4 + params) * bytes)) return Fault{kVecSS, sel_error(ss_sel)};
  const bool big = new_ss.flags & kSegBig;
  StackCursor stack(env, new_ss.base, big ? esp : esp & 0xffff, big, Access::Supervisor);
  SYS_TRY(stack.push(s.seg[kSs].selector, bytes));
  SYS_TRY(stack.push(s.gpr[kEsp], bytes));
  StackCursor old_stack(env);
  old_stack.skip(params * bytes);
  for (unsigned i = 0; i < params; ++i) {
    uint32_t v;
    StackCursor at(env, s.seg[kSs].base, old_stack.sp() - (i + 1) * bytes, old_stack.big(),
                   Access::Cpl);
    SYS_TRY(at.pop(bytes, v));
    SYS_TRY(stack.push(v, bytes));
  }
  SYS_TRY(stack.push(old_cs, bytes));
  SYS_TRY(stack.push(return_eip, bytes));
  SYS_TRY(mark_accessed(env, ss_sel, ss_desc));
  SYS_TRY(mark_accessed(env, target, code));
  new_ss.flags = ss_desc.cache_flags();  // with the accessed bit now set
  s.seg[kSs] = new_ss;
  stack.commit(s);
  load_cs(s, target, code, new_cpl, eip);
  return {};
}

// Returning to an outer level nulls the data segment registers the new
// level may not use (SDM vol. 2, RET: data or non-conforming code with
// DPL < CPL).
void null_inaccessible_segments(CpuState& s, unsigned cpl) {
  for (unsigned seg : {kEs, kDs, kFs, kGs}) {
    const SegmentCache& c = s.seg[seg];
    const unsigned dpl = (c.flags >> kSegDplShift) & 3;
    const bool code = c.flags & 8, conforming = code && (c.flags & 4);
    if ((!code || !conforming) && dpl < cpl) s.seg[seg] = SegmentCache{0, 0, 0, 0};
  }
}

// The code segment RET/IRET return to, checked (SDM vol. 2, RET).
Status check_return_code(GuestEnv& env, uint16_t sel, unsigned cpl, Descriptor& d) {
  SYS_TRY(fetch_far_descriptor(env, sel, d));
  const unsigned rpl = sel & 3;
  if (rpl < cpl || !d.is_code()) return Fault{kVecGP, sel_error(sel)};
  if (d.conforming() ? d.dpl() > rpl : d.dpl() != rpl) return Fault{kVecGP, sel_error(sel)};
  if (!d.present()) return Fault{kVecNP, sel_error(sel)};
  return {};
}

// The outer stack RET/IRET return to.
Status check_return_stack(GuestEnv& env, uint16_t ss_sel, unsigned rpl, Descriptor& d) {
  if (sel_error(ss_sel) == 0) return Fault{kVecGP, 0};
  if ((ss_sel & 3u) != rpl) return Fault{kVecGP, sel_error(ss_sel)};
  SYS_TRY(fetch_descriptor(env, ss_sel, d, kVecGP, 0));
  if (!d.writable() || d.dpl() != rpl) return Fault{kVecGP, sel_error(ss_sel)};
  if (!d.present()) return Fault{kVecSS, sel_error(ss_sel)};
  return {};
}

// RET far to a protected-mode CS:EIP already popped; `stack` is past them
// (and past the released bytes).
Status return_protected(GuestEnv& env, StackCursor& stack, uint16_t cs_sel, uint32_t eip,
                        unsigned opsize, uint32_t release, const uint32_t* new_flags) {
  CpuState& s = *env.state;
  const unsigned cpl = cpl_of(s);
  Descriptor code;
  SYS_TRY(check_return_code(env, cs_sel, cpl, code));
  const unsigned rpl = cs_sel & 3;
  if (eip > code.limit()) return Fault{kVecGP, 0};
  if (rpl == cpl) {
    SYS_TRY(mark_accessed(env, cs_sel, code));
    stack.skip(release);
    stack.commit(s);
    load_cs(s, cs_sel, code, cpl, eip);
    if (new_flags) write_eflags(s, *new_flags);
    return {};
  }
  stack.skip(release);
  uint32_t new_esp, ss_value;
  SYS_TRY(stack.pop(opsize, new_esp));
  SYS_TRY(stack.pop(opsize, ss_value));
  const auto ss_sel = static_cast<uint16_t>(ss_value);
  Descriptor ss_desc;
  SYS_TRY(check_return_stack(env, ss_sel, rpl, ss_desc));
  SYS_TRY(mark_accessed(env, cs_sel, code));
  SYS_TRY(mark_accessed(env, ss_sel, ss_desc));
  load_cs(s, cs_sel, code, rpl, eip);
  s.seg[kSs] = make_cache(ss_sel, ss_desc);
  new_esp += release;
  if (s.seg[kSs].flags & kSegBig)
    s.gpr[kEsp] = new_esp;
  else
    s.gpr[kEsp] = (s.gpr[kEsp] & 0xffff0000u) | (new_esp & 0xffff);
  if (new_flags) write_eflags(s, *new_flags);
  null_inaccessible_segments(s, rpl);
  return {};
}

// RETF, RETF imm16
Status far_ret_impl(GuestEnv& env, unsigned opsize, uint32_t release) {
  CpuState& s = *env.state;
  StackCursor stack(env);
  uint32_t eip, cs_value;
  SYS_TRY(stack.pop(opsize, eip));
  SYS_TRY(stack.pop(opsize, cs_value));
  const auto cs_sel = static_cast<uint16_t>(cs_value);
  if (real_or_vm86(s)) {
    stack.skip(release);
    stack.commit(s);
    load_real_segment(s, kCs, cs_sel);
    s.eip = eip;
    return {};
  }
  return return_protected(env, stack, cs_sel, eip, opsize, release, nullptr);
}

// The EFLAGS IRET loads in protected mode at `cpl` (SDM vol. 2, IRET):
// IOPL only at CPL 0, IF only at CPL <= IOPL; VM is not loaded here.
uint32_t iret_flags(const CpuState& s, uint32_t popped, unsigned opsize, unsigned cpl) {
  const uint32_t old = read_eflags(s);
  uint32_t mask = kArithFlags | kTF | kDF | kNT | kRF | kAC | kID;
  if (cpl == 0) mask |= kIOPL | kVIF | kVIP;
  if (cpl <= iopl_of(s)) mask |= kIF;
  if (opsize == 2) mask &= 0xffff;
  return ((old & ~mask) | (popped & mask)) | 2;
}

// IRET, IRETD
Status iret_impl(GuestEnv& env, unsigned opsize, uint32_t next_eip) {
  CpuState& s = *env.state;
  if (!(s.cr[0] & 1)) {
    // Real mode: every flag but VM, VIF, VIP (and RF) from the stack.
    StackCursor stack(env);
    uint32_t eip, cs, flags;
    SYS_TRY(stack.pop(opsize, eip));
    SYS_TRY(stack.pop(opsize, cs));
    SYS_TRY(stack.pop(opsize, flags));
    const uint32_t old = read_eflags(s);
    const uint32_t load = opsize == 4 ? 0x257fd5u : 0x7fd5u;
    stack.commit(s);
    load_real_segment(s, kCs, static_cast<uint16_t>(cs));
    s.eip = eip;
    write_eflags(s, (old & ~load) | (flags & load) | 2);
    return {};
  }
  if (s.eflags & kVM) {
    // Virtual-8086 mode: only with IOPL 3; IOPL itself stays.
    if (iopl_of(s) < 3) return Fault{kVecGP, 0};
    StackCursor stack(env);
    uint32_t eip, cs, flags;
    SYS_TRY(stack.pop(opsize, eip));
    SYS_TRY(stack.pop(opsize, cs));
    SYS_TRY(stack.pop(opsize, flags));
    const uint32_t old = read_eflags(s);
    const uint32_t keep = kVM | kIOPL | kVIF | kVIP | (opsize == 2 ? 0xffff0000u : 0);
    stack.commit(s);
    load_real_segment(s, kCs, static_cast<uint16_t>(cs));
    s.eip = eip & 0xffff;
    write_eflags(s, ((old & keep) | (flags & ~keep)) | 2);
    return {};
  }
  if (s.eflags & kNT) {
    // Return from a nested task: the back link of the current TSS.
    uint32_t link;
    SYS_TRY(read_value(env, Access::Supervisor, s.tr.base, 2, link));
    return task_switch(env, static_cast<uint16_t>(link), TaskSwitchReason::Iret, 0, next_eip);
  }
  const unsigned cpl = cpl_of(s);
  StackCursor stack(env);
  uint32_t eip, cs_value, flags;
  SYS_TRY(stack.pop(opsize, eip));
  SYS_TRY(stack.pop(opsize, cs_value));
  SYS_TRY(stack.pop(opsize, flags));
  if ((flags & kVM) && cpl == 0 && opsize == 4) {
    // Back to virtual-8086 mode (SDM vol. 2, IRET, RETURN-TO-VIRTUAL-8086-MODE).
    uint32_t esp, ss, es, ds, fs, gs;
    SYS_TRY(stack.pop(4, esp));
    SYS_TRY(stack.pop(4, ss));
    SYS_TRY(stack.pop(4, es));
    SYS_TRY(stack.pop(4, ds));
    SYS_TRY(stack.pop(4, fs));
    SYS_TRY(stack.pop(4, gs));
    write_eflags(s, flags | 2);
    load_real_segment(s, kCs, static_cast<uint16_t>(cs_value));
    load_real_segment(s, kSs, static_cast<uint16_t>(ss));
    load_real_segment(s, kEs, static_cast<uint16_t>(es));
    load_real_segment(s, kDs, static_cast<uint16_t>(ds));
    load_real_segment(s, kFs, static_cast<uint16_t>(fs));
    load_real_segment(s, kGs, static_cast<uint16_t>(gs));
    s.gpr[kEsp] = esp;
    s.eip = eip & 0xffff;
    return {};
  }
  const uint32_t new_flags = iret_flags(s, flags, opsize, cpl);
  return return_protected(env, stack, static_cast<uint16_t>(cs_value), eip, opsize, 0, &new_flags);
}

uint64_t far_jmp(GuestEnv& env, uint64_t sel, uint64_t offset, uint64_t opsize, uint64_t next) {
  const uint16_t tr = env.state->tr.selector;
  return finish_helper(env,
                       far_jmp_impl(env, static_cast<uint16_t>(sel), static_cast<uint32_t>(offset),
                                    static_cast<unsigned>(opsize), static_cast<uint32_t>(next)),
                       tr);
}

uint64_t far_call(GuestEnv& env, uint64_t sel, uint64_t offset, uint64_t opsize, uint64_t ret) {
  const uint16_t tr = env.state->tr.selector;
  return finish_helper(env,
                       far_call_impl(env, static_cast<uint16_t>(sel), static_cast<uint32_t>(offset),
                                     static_cast<unsigned>(opsize), static_cast<uint32_t>(ret)),
                       tr);
}

uint64_t far_ret(GuestEnv& env, uint64_t opsize, uint64_t release, uint64_t, uint64_t) {
  const uint16_t tr = env.state->tr.selector;
  return finish_helper(
      env, far_ret_impl(env, static_cast<unsigned>(opsize), static_cast<uint32_t>(release)), tr);
}

uint64_t iret(GuestEnv& env, uint64_t opsize, uint64_t next_eip, uint64_t key_mode,
              uint64_t key_cs_base) {
  CpuState& s = *env.state;
  const uint16_t tr = s.tr.selector;
  const uint32_t cr3 = s.cr[3], old_eflags = s.eflags;
  const uint64_t r = finish_helper(
      env, iret_impl(env, static_cast<unsigned>(opsize), static_cast<uint32_t>(next_eip)), tr);
  if (env.raised) return r;
  // The exit's inline lookup (exec's jump cache) is keyed by the block's CS
  // base and mode; a task switch may also have flushed the TLB, which the
  // loop must see before any chained jump.
  note_if_set(env, old_eflags);
  check_block_mode(env, static_cast<uint32_t>(key_mode));
  if (s.seg[kCs].base != static_cast<uint32_t>(key_cs_base) || s.tr.selector != tr ||
      s.cr[3] != cr3)
    env.block_invalidated = true;
  return r;
}

constexpr uint16_t kEffects = ir::kReadsState | ir::kWritesState | ir::kReadsCc | ir::kWritesCc |
                              ir::kReadsMem | ir::kWritesMem | ir::kMayRaise;

}  // namespace

const ir::HelperInfo kFarJmpHelper{"far_jmp", &far_jmp, ir::Type::I32, 4, kEffects};
const ir::HelperInfo kFarCallHelper{"far_call", &far_call, ir::Type::I32, 4, kEffects};
const ir::HelperInfo kFarRetHelper{"far_ret", &far_ret, ir::Type::I32, 2, kEffects};
const ir::HelperInfo kIretHelper{"iret", &iret, ir::Type::I32, 4, kEffects | ir::kKeepsKey};

}  // namespace dynemu::x86
