#include "emulator/x86/translator.h"

#include <cstddef>
#include <cstdio>

#include "emulator/core/bits.h"
#include "emulator/x86/decoder.h"
#include "emulator/x86/disasm.h"
#include "emulator/x86/helpers.h"
#include "emulator/x86/system/debug.h"
#include "emulator/x86/system/descriptors.h"
#include "emulator/x86/system/segment_check.h"
#include "emulator/x86/translate_x87.h"

namespace dynemu::x86 {

using ir::Value;

namespace {
constexpr uint32_t kDefaultMaxInsns = 64;
}

bool Translator::translate(const Insn& insn) {
  m_end = false;
  m_esp_bias = 0;
  m_mem_offset = {};
  m_insn_eip = insn.eip;
  if (is_x87(insn.op)) {
    if (!translate_x87(*this, insn)) {
      fault(kVectorUD);
      return true;
    }
    return m_b.terminated() || m_end;
  }
  switch (insn.op) {
#define OP(name, mnemonic) \
  case Op::name:           \
    op_##name(insn);       \
    break;
#include "emulator/x86/ops.inc"
#undef OP
    default: fault(kVectorUD); break;
  }
  return m_b.terminated() || m_end;
}

void Translator::end_block_after(const Insn& insn) {
  m_b.exit_jump(insn.next_eip());
  m_end = true;
}

// --- addresses

Value Translator::effective_address(const Insn& insn) {
  const MemRef& m = insn.mem;
  Value ea;
  auto reg = [&](int r) {
    Value v = m_b.get_gpr(static_cast<Gpr>(r));
    if (r == kEsp && m_esp_bias) v = m_b.add(v, static_cast<uint32_t>(m_esp_bias));
    return v;
  };
  if (m.base >= 0) ea = reg(m.base);
  if (m.index >= 0) {
    Value idx = reg(m.index);
    if (m.scale) idx = m_b.shl(idx, m.scale);
    ea = ea.valid() ? m_b.add(ea, idx) : idx;
  }
  if (!ea.valid()) return m_b.imm32(insn.addrsize == 2 ? m.disp & 0xffff : m.disp);
  if (m.disp) ea = m_b.add(ea, m.disp);
  if (insn.addrsize == 2) ea = m_b.zext16(ea);
  return ea;
}

Value Translator::linear(unsigned seg, Value offset, unsigned bytes, bool write) {
  if (system() && bytes) {
    // Writes through CS fault in protected mode even when CS is flat.
    const bool cs_write = seg == kCs && write && !real_mode() && !vm86();
    if ((m_req.mode & (1u << (kModeSegCheckShift + seg))) || cs_write)
      m_b.call(kSegCheckHelper, {offset, m_b.imm32(seg_check_arg(seg, bytes, write))});
    else if (seg == kGs && !real_mode() && !vm86() && cpl() != 3)
      check_null_gs(offset, bytes, write);
  }
  const bool flat_seg = seg == kEs || seg == kCs || seg == kSs || seg == kDs;
  Value addr = flat_seg && (m_req.mode & ir::kModeFlatSegs)
                   ? offset
                   : m_b.add(m_b.get_seg_base(static_cast<SegReg>(seg)), offset);
  if (system() && bytes && (m_req.mode & kModeDataBreakpoints))
    m_b.call(kDataBreakpointHelper, {addr, m_b.imm32(bytes | (write ? 1u : 0u) << 8)});
  return addr;
}

// The key sets no check bit for a null GS at CPL 0-2 (segment_check.h): GS
// is flat or null. Tell them apart inline (the S bit of the cache is clear
// only for a null selector): if null, note it and leave the block for this
// instruction again, whose new key asks for full GS checks, so that
// seg_check raises the #GP(0). The state write also tells exec that the
// block may change its key (exec/block_cache.cpp, block_keeps_mode), so
// its exits look the key up again rather than chain back into it. Blocks
// whose exits get debug or CS-limit checks added call seg_check directly.
void Translator::check_null_gs(Value offset, unsigned bytes, bool write) {
  if (m_req.mode & (kModeSingleStep | kModeBreakpoints | kModeDataBreakpoints | kModeCodeLimit)) {
    m_b.call(kSegCheckHelper, {offset, m_b.imm32(seg_check_arg(kGs, bytes, write))});
    return;
  }
  const Value flags = m_b.get_state(
      offsetof(CpuState, seg) + kGs * sizeof(SegmentCache) + offsetof(SegmentCache, flags), 1);
  const Value null = m_b.eq(m_b.and_(flags, kSegS), m_b.imm32(0));
  m_b.set_state(offsetof(CpuState, null_seg_retry), 1, null);
  m_b.exit_if(null, m_insn_eip);
}

Value Translator::mem_linear(const Insn& insn, unsigned bytes, bool write) {
  if (bytes == 0) {
    bytes = 1;
    for (const Operand& o : insn.operands)
      if (o.kind == OperandKind::Mem && o.size) bytes = o.size;
  }
  m_mem_offset = effective_address(insn);
  return linear(insn.mem.seg, m_mem_offset, bytes, write);
}

void Translator::check_mem_write(const Insn& insn, unsigned bytes) {
  const unsigned seg = insn.mem.seg;
  if (!system() || !m_mem_offset.valid()) return;
  const bool cs_write = seg == kCs && !real_mode() && !vm86();
  if ((m_req.mode & (1u << (kModeSegCheckShift + seg))) || cs_write)
    m_b.call(kSegCheckHelper, {m_mem_offset, m_b.imm32(seg_check_arg(seg, bytes, true))});
}

// --- operands

Value Translator::operand_address(const Insn& insn, unsigned i) {
  return mem_linear(insn);
}

Value Translator::read_operand(const Insn& insn, unsigned i) {
  Value addr;
  return read_operand(insn, i, addr);
}

Value Translator::read_operand(const Insn& insn, unsigned i, Value& addr) {
  const Operand& o = insn.operands[i];
  switch (o.kind) {
    case OperandKind::Reg: return m_b.get_reg(o.reg, o.size);
    case OperandKind::Imm:
    case OperandKind::Rel: return m_b.imm32(o.value);
    case OperandKind::Mem:
      if (!addr.valid()) addr = mem_linear(insn, o.size);
      return m_b.load_sized(addr, o.size);
    case OperandKind::Seg:
      return m_b.get_state(
          offsetof(CpuState, seg) + o.reg * sizeof(SegmentCache) + offsetof(SegmentCache, selector),
          2);
    default: break;
  }
  return m_b.imm32(0);
}

void Translator::write_operand(const Insn& insn, unsigned i, Value v, Value addr) {
  const Operand& o = insn.operands[i];
  switch (o.kind) {
    case OperandKind::Reg: m_b.set_reg(o.reg, o.size, v); return;
    case OperandKind::Mem:
      if (!addr.valid())
        addr = mem_linear(insn, o.size, true);
      else
        check_mem_write(insn, o.size);
      m_b.store_sized(addr, v, o.size);
      return;
    default: return;
  }
}

// --- stack

Value Translator::get_sp() {
  Value sp = m_b.get_gpr(kEsp);
  return (m_req.mode & ir::kMode32BitStack) ? sp : m_b.zext16(sp);
}

void Translator::set_sp(Value sp) {
  if (m_req.mode & ir::kMode32BitStack)
    m_b.set_gpr(kEsp, sp);
  else
    m_b.set_reg(kEsp, 2, sp);
}

Value Translator::stack_address(Value sp, unsigned bytes, bool write) {
  if (!(m_req.mode & ir::kMode32BitStack)) sp = m_b.zext16(sp);
  return linear(kSs, sp, bytes, write);
}

Value Translator::push_value(Value sp, Value v, unsigned bytes) {
  Value nsp = m_b.sub(sp, bytes);
  m_b.store_sized(stack_address(nsp, bytes, true), v, bytes);
  return nsp;
}

Value Translator::pop_value(Value& sp, unsigned bytes) {
  Value v = m_b.load_sized(stack_address(sp, bytes), bytes);
  sp = m_b.add(sp, bytes);
  return v;
}

// --- flags and state

void Translator::set_flags(CcKind kind, unsigned bytes, Value dst, Value src, Value src2) {
  m_b.set_cc(cc_op(kind, bytes), dst, src, src2);
}

void Translator::set_eflags_arith(Value eflags) {
  m_b.set_cc(CcOp::Eflags, eflags, eflags);
}

Value Translator::get_eflags_stored() {
  return m_b.get_state(offsetof(CpuState, eflags), 4);
}

void Translator::set_eflags_stored(Value v) {
  m_b.set_state(offsetof(CpuState, eflags), 4, v);
}

void Translator::set_eflags_if_df(Value v) {
  set_eflags_stored(v);
  m_b.block().insts.back().aux = ir::kStateKeepsKey;
}

void Translator::set_eflags_user(Value value, unsigned opsize) {
  // IF, IOPL, VM, RF, VIF and VIP stay: CPL 3 with IOPL 0.
  uint32_t mask = kCF | kPF | kAF | kZF | kSF | kTF | kDF | kOF | kNT | kAC | kID;
  if (opsize == 2) mask &= 0xffff;
  Value merged = m_b.or_(m_b.and_(get_eflags_stored(), ~mask), m_b.and_(value, mask));
  set_eflags_stored(m_b.or_(m_b.and_(merged, ~kArithFlags), 2u));
  set_eflags_arith(merged);
}

Value Translator::df_delta(unsigned bytes) {
  Value df = m_b.extract(get_eflags_stored(), 10, 1);
  return m_b.select(df, m_b.imm32(0u - bytes), m_b.imm32(bytes));
}

Value Translator::get_count_reg(const Insn& insn) {
  return m_b.get_reg(kEcx, insn.addrsize);
}

void Translator::set_count_reg(const Insn& insn, Value v) {
  m_b.set_reg(kEcx, insn.addrsize, v);
}

Value Translator::get_index_reg(const Insn& insn, unsigned reg) {
  return m_b.get_reg(reg, insn.addrsize);
}

void Translator::set_index_reg(const Insn& insn, unsigned reg, Value v) {
  m_b.set_reg(reg, insn.addrsize, v);
}

// --- exceptions

void Translator::fault_if(Value cond, uint8_t vector, uint32_t error_code) {
  m_b.call(kRaiseIfHelper, {cond, m_b.imm32(vector), m_b.imm32(error_code)});
}

void Translator::load_segment(unsigned seg, Value selector) {
  m_b.call(kLoadSegmentHelper, {m_b.imm32(seg), selector, m_b.imm32(m_req.mode)});
}

// --- the block loop

ir::Block translate_block(const TranslateRequest& req) {
  ir::Block block;
  block.start_eip = req.eip;
  block.cs_base = req.cs_base;
  block.mode = req.mode;
  ir::Builder b(block);
  Translator t(b, req);
  // EFLAGS.TF or data breakpoints: one instruction per block, which traps
  // where it goes (system/debug.h).
  const bool single_step = (req.mode & ir::kModeSystem) && (req.mode & kModeSingleStep);
  const bool data_bps = (req.mode & ir::kModeSystem) && (req.mode & kModeDataBreakpoints);
  const uint32_t max_insns = single_step || data_bps ? 1
                             : req.max_insns         ? req.max_insns
                                                     : kDefaultMaxInsns;
  bool no_trap = false;  // see add_debug_traps
  const CodeSize code_size = (req.mode & ir::kMode32BitCode) ? CodeSize::Bits32 : CodeSize::Bits16;
  const uint32_t first_page = (req.cs_base + req.eip) >> 12;
  const bool log_in_asm = req.log.has(LogItem::InAsm);
  if (log_in_asm) std::fprintf(stderr, "IN: 0x%08x\n", req.cs_base + req.eip);

  uint32_t eip = req.eip;
  for (;;) {
    uint8_t bytes[16] = {};
    const uint32_t lin = req.cs_base + eip;
    const uint32_t got = req.fetch(lin, bytes, 15);
    Insn insn;
    DecodeStatus status =
        got == 0 ? DecodeStatus::NeedMore : decode(bytes, got, eip, code_size, insn);
    if (status == DecodeStatus::NeedMore && got >= 15) status = DecodeStatus::TooLong;
    if (status == DecodeStatus::NeedMore) {
      if (block.num_insns == 0) {
        b.insn_start(eip);
        b.raise_fault(kVectorPF, 0x14, lin + got);
      } else {
        b.exit_jump(eip);
      }
      break;
    }
    b.insn_start(eip);
    if (status != DecodeStatus::Ok) {
      if (log_in_asm) std::fprintf(stderr, "0x%08x:  (bad)\n", lin);
      b.raise_fault(status == DecodeStatus::TooLong ? kVectorGP : kVectorUD, 0);
      block.guest_bytes = eip - req.eip + 1;
      break;
    }
    if (log_in_asm) std::fprintf(stderr, "0x%08x:  %s\n", lin, disassemble(insn).c_str());
    if ((req.mode & ir::kModeSystem) && (req.mode & kModeBreakpoints))
      b.call(kBreakpointCheckHelper, {b.imm32(lin)});
    // Hits an earlier, faulting instruction noted do not count.
    if (data_bps) b.set_state(offsetof(CpuState, dr) + 4 * kDrPendingHits, 4, b.imm32(0));
    // Code fetch beyond the CS limit: #GP(0). 16-bit code in a segment of
    // limit >= 0xffff can only cross it with an instruction running past
    // offset 0xffff; otherwise the key says whether every instruction must
    // be checked (system/segment_check.h).
    if ((req.mode & ir::kModeSystem) &&
        ((req.mode & kModeCodeLimit) ||
         (code_size == CodeSize::Bits16 && insn.next_eip() > 0x10000)))
      b.call(kCodeLimitHelper, {b.imm32(insn.next_eip() - 1)});
    // INT n/INT3/INT1 clear TF for their handler and trap no further; after
    // MOV SS/POP SS the trap waits for the next instruction.
    no_trap = insn.op == Op::Int || insn.op == Op::Int3 || insn.op == Op::Int1 ||
              ((insn.op == Op::MovToSeg || insn.op == Op::PopSeg) && insn.operands[0].reg == kSs);
    const size_t insn_ir = block.insts.size();
    const bool ended = t.translate(insn);
    if ((req.mode & ir::kModeSystem) && (req.mode & kModeCodeLimit))
      add_branch_limit_checks(b, insn_ir, insn.next_eip());
    block.guest_bytes = insn.next_eip() - req.eip;
    eip = insn.next_eip();
    if (ended) break;
    if (block.num_insns >= max_insns || ((req.cs_base + eip) >> 12) != first_page) {
      b.exit_jump(eip);
      break;
    }
  }
  if ((single_step || data_bps) && block.num_insns == 1 && !no_trap)
    add_debug_traps(b, single_step);
  if (log_in_asm) std::fprintf(stderr, "\n");
  return block;
}

}  // namespace dynemu::x86
