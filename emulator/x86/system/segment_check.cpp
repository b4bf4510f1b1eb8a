#include "emulator/x86/system/segment_check.h"

#include <vector>

#include "emulator/x86/system/descriptors.h"

#include "emulator/ir/opcodes.h"

namespace dynemu::x86 {
namespace {

constexpr uint32_t kCodeBit = 8, kExpandDownBit = 4, kWritableBit = 2, kReadableBit = 2;

bool protected_mode(const CpuState& s) {
  return (s.cr[0] & 1) && !(s.eflags & kVM);
}

bool is_code(const SegmentCache& c) {
  return (c.flags & kSegS) && (c.flags & kCodeBit);
}

bool expand_down(const SegmentCache& c) {
  return (c.flags & kSegS) && !(c.flags & kCodeBit) && (c.flags & kExpandDownBit);
}

bool flat_segment(const CpuState& s, unsigned seg) {
  const SegmentCache& c = s.seg[seg];
  if (c.limit != 0xffffffffu || expand_down(c)) return false;
  if (!protected_mode(s)) return true;
  if (!(c.flags & kSegS)) return false;  // null or unusable
  if (seg == kCs) return is_code(c) && (c.flags & kReadableBit);
  return !is_code(c) && (c.flags & kWritableBit);
}

}  // namespace

bool within_limit(const SegmentCache& c, uint32_t offset, unsigned bytes) {
  const uint32_t last = offset + (bytes - 1);
  if (last < offset) return false;  // runs past 4 GiB
  if (expand_down(c)) {
    const uint32_t top = (c.flags & kSegBig) ? 0xffffffffu : 0xffffu;
    return offset > c.limit && last <= top;
  }
  return last <= c.limit;
}

namespace {

uint64_t seg_check(ir::GuestEnv& env, uint64_t offset, uint64_t arg, uint64_t, uint64_t) {
  const uint32_t a = static_cast<uint32_t>(arg);
  env.state->null_seg_retry = 0;
  const Status st = check_segment_access(*env.state, a & 0xff, static_cast<uint32_t>(offset),
                                         (a >> 8) & 0xff, (a >> 16) & 1);
  if (!st) env.raise(st.fault().vector, st.fault().error_code);
  return 0;
}

uint64_t code_limit(ir::GuestEnv& env, uint64_t last, uint64_t, uint64_t, uint64_t) {
  if (static_cast<uint32_t>(last) > env.state->seg[kCs].limit) env.raise(kVecGP, 0);
  return 0;
}

}  // namespace

uint32_t segment_check_mode(const CpuState& s) {
  const bool pm = protected_mode(s);
  // A null GS below CPL 3 does not count: Linux's kernel never uses GS,
  // which holds the current task's TLS selector or 0 (kernel threads), and
  // a key bit for it would translate all kernel code twice. The translator
  // tests GS accesses there inline instead (Translator::check_null_gs) and
  // sets null_seg_retry when GS is null: then it counts. (A null FS does:
  // Linux's kernel runs with its per-CPU FS but for a few instructions of
  // its entry and exit code.)
  uint32_t ignored = 0;
  if (pm && (s.seg[kCs].selector & 3) != 3 && !s.null_seg_retry &&
      (s.seg[kGs].selector & 0xfffc) == 0)
    ignored = 1u << (kModeSegCheckShift + kGs);
  // Every block lookup computes this: protected mode with 4 GiB limits
  // (Linux) needs only the type bits, without branches.
  uint32_t limits = 0xffffffffu;
  for (unsigned seg = kEs; seg <= kGs; ++seg)
    if (!(ignored >> (kModeSegCheckShift + seg) & 1)) limits &= s.seg[seg].limit;
  if (limits == 0xffffffffu && pm) {
    // S, code, expand-down, writable: 0x12 is writable expand-up data;
    // CS: S, code, readable.
    uint32_t m = 0;
    for (unsigned seg = kEs; seg <= kGs; ++seg)
      m |= uint32_t{(s.seg[seg].flags & 0x1e) != 0x12} << (kModeSegCheckShift + seg);
    m &= ~(1u << (kModeSegCheckShift + kCs));
    m |= uint32_t{(s.seg[kCs].flags & 0x1a) != 0x1a} << (kModeSegCheckShift + kCs);
    return m & ~ignored;
  }
  uint32_t m = 0;
  for (unsigned seg = kEs; seg <= kGs; ++seg)
    if (!flat_segment(s, seg)) m |= 1u << (kModeSegCheckShift + seg);
  m &= ~ignored;
  const SegmentCache& cs = s.seg[kCs];
  const bool code16_full = !(cs.flags & kSegBig) && cs.limit >= 0xffff;
  if (cs.limit != 0xffffffffu && !code16_full) m |= kModeCodeLimit;
  return m;
}

Status check_segment_access(const CpuState& s, unsigned seg, uint32_t offset, unsigned bytes,
                            bool write) {
  const SegmentCache& c = s.seg[seg];
  const Fault fault{seg == kSs ? kVecSS : kVecGP, 0};
  if (protected_mode(s)) {
    if (!(c.flags & kSegS)) return fault;  // null selector
    if (is_code(c) ? (write || !(c.flags & kReadableBit)) : (write && !(c.flags & kWritableBit)))
      return fault;
  }
  if (!within_limit(c, offset, bytes)) return fault;
  return {};
}

void add_branch_limit_checks(ir::Builder& b, size_t from, uint32_t next_eip) {
  std::vector<ir::Inst>& insts = b.block().insts;
  // Far transfers, INT n, IRET... (helpers that write state) check the
  // offset against their new CS themselves.
  for (size_t p = from; p < insts.size(); ++p)
    if (insts[p].op == ir::Opcode::Call && (insts[p].helper->effects & ir::kWritesState)) return;
  for (size_t p = insts.size(); p-- > from;) {
    const ir::Inst& inst = insts[p];
    const bool exit = inst.op == ir::Opcode::ExitIf || inst.op == ir::Opcode::ExitJump ||
                      inst.op == ir::Opcode::ExitIndirect;
    if (!exit || (inst.op != ir::Opcode::ExitIndirect && inst.imm == next_eip)) continue;
    std::vector<ir::Inst> tail(insts.begin() + static_cast<ptrdiff_t>(p), insts.end());
    insts.resize(p);
    const ir::Inst& e = tail.front();
    ir::Value target = e.op == ir::Opcode::ExitIndirect
                           ? e.args[0]
                           : b.emit(ir::Opcode::Const32, {}, static_cast<uint32_t>(e.imm));
    if (e.op == ir::Opcode::ExitIf) {
      // Only a taken branch checks its target.
      target = b.select(e.args[0], target, b.emit(ir::Opcode::Const32, {}, 0));
    }
    b.call(kCodeLimitHelper, {target});
    insts.insert(insts.end(), tail.begin(), tail.end());
  }
}

const ir::HelperInfo kSegCheckHelper{"seg_check", &seg_check, ir::Type::Void, 2,
                                     ir::kReadsState | ir::kMayRaise};
const ir::HelperInfo kCodeLimitHelper{"code_limit", &code_limit, ir::Type::Void, 1,
                                      ir::kReadsState | ir::kMayRaise};

}  // namespace dynemu::x86
