#include "emulator/ir/builder.h"

#include <cassert>

namespace dynemu::ir {

namespace {

Type slot_type(Slot s) {
  switch (s) {
    case Slot::I32:
    case Slot::OptI32: return Type::I32;
    case Slot::I64: return Type::I64;
    default: return Type::Void;
  }
}

}  // namespace

bool Builder::terminated() const {
  return !m_block.insts.empty() && (op_info(m_block.insts.back().op).effects & kTerminator);
}

Value Builder::new_temp(Type t) {
  assert(m_block.temp_types.size() < Value::kNone);
  Value v{static_cast<uint16_t>(m_block.temp_types.size())};
  m_block.temp_types.push_back(t);
  return v;
}

Value Builder::emit(Opcode op, std::span<const Value> args, uint64_t imm, uint32_t aux,
                    const HelperInfo* helper) {
  assert(!terminated() && "emit after a block terminator");
  const OpInfo& info = op_info(op);
  Inst inst;
  inst.op = op;
  inst.imm = imm;
  inst.aux = aux;
  inst.helper = helper;
  assert(args.size() <= 4);
  unsigned i = 0;
  for (Value a : args) {
    [[maybe_unused]] const Slot s = info.args[i];
    assert(s != Slot::None);
    assert(a.valid() || s == Slot::OptI32 || s == Slot::Any);
    assert(!a.valid() || s == Slot::Any || m_block.type_of(a) == slot_type(s));
    inst.args[i++] = a;
  }
  Type result =
      info.result == Slot::Dyn ? (helper ? helper->result : Type::Void) : slot_type(info.result);
  if (result != Type::Void) inst.dst = new_temp(result);
  m_block.insts.push_back(inst);
  return inst.dst;
}

Value Builder::imm32(uint32_t v) {
  auto it = m_const32.find(v);
  if (it != m_const32.end()) return it->second;
  Value t = emit(Opcode::Const32, {}, v);
  m_const32.emplace(v, t);
  return t;
}

Value Builder::imm64(uint64_t v) {
  return emit(Opcode::Const64, {}, v);
}

Value Builder::get_gpr(x86::Gpr r) {
  return emit(Opcode::GetGpr, {}, r);
}
void Builder::set_gpr(x86::Gpr r, Value v) {
  emit(Opcode::SetGpr, {v}, r);
}

Value Builder::get_reg(unsigned reg, unsigned bytes) {
  if (bytes == 1) {
    Value full = get_gpr(static_cast<x86::Gpr>(reg & 3));
    return extract(full, reg >= 4 ? 8 : 0, 8);
  }
  Value full = get_gpr(static_cast<x86::Gpr>(reg));
  return bytes == 2 ? extract(full, 0, 16) : full;
}

void Builder::set_reg(unsigned reg, unsigned bytes, Value v) {
  if (bytes == 4) return set_gpr(static_cast<x86::Gpr>(reg), v);
  const auto r = static_cast<x86::Gpr>(bytes == 1 ? reg & 3 : reg);
  const unsigned lsb = bytes == 1 && reg >= 4 ? 8 : 0;
  set_gpr(r, deposit(get_gpr(r), v, lsb, bytes * 8));
}

Value Builder::get_seg_base(x86::SegReg s) {
  return emit(Opcode::GetSegBase, {}, s);
}

Value Builder::get_state(uint32_t offset, unsigned bytes) {
  const Opcode op = bytes == 1   ? Opcode::GetState8
                    : bytes == 2 ? Opcode::GetState16
                                 : Opcode::GetState32;
  return emit(op, {}, offset);
}

void Builder::set_state(uint32_t offset, unsigned bytes, Value v) {
  const Opcode op = bytes == 1   ? Opcode::SetState8
                    : bytes == 2 ? Opcode::SetState16
                                 : Opcode::SetState32;
  emit(op, {v}, offset);
}

Value Builder::extract(Value v, unsigned lsb, unsigned width) {
  assert(width >= 1 && lsb + width <= 32);
  if (lsb == 0 && width == 32) return v;
  return emit(Opcode::Extract, {v}, lsb | width << 8);
}

Value Builder::deposit(Value base, Value v, unsigned lsb, unsigned width) {
  assert(width >= 1 && lsb + width <= 32);
  if (lsb == 0 && width == 32) return v;
  return emit(Opcode::Deposit, {base, v}, lsb | width << 8);
}

Value Builder::zext(Value v, unsigned bytes) {
  return bytes == 1 ? zext8(v) : bytes == 2 ? zext16(v) : v;
}

Value Builder::sext(Value v, unsigned bytes) {
  return bytes == 1 ? sext8(v) : bytes == 2 ? sext16(v) : v;
}

Value Builder::div_u(Value dividend64, Value divisor, unsigned bytes) {
  return emit(Opcode::DivU, {dividend64, divisor}, bytes);
}

Value Builder::div_s(Value dividend64, Value divisor, unsigned bytes) {
  return emit(Opcode::DivS, {dividend64, divisor}, bytes);
}

Value Builder::load(Value addr, MemSize size) {
  switch (size) {
    case MemSize::U8: return emit(Opcode::Load8, {addr});
    case MemSize::U16: return emit(Opcode::Load16, {addr});
    case MemSize::U32: return emit(Opcode::Load32, {addr});
    case MemSize::U64: return emit(Opcode::Load64, {addr});
  }
  return {};
}

void Builder::store(Value addr, Value v, MemSize size) {
  switch (size) {
    case MemSize::U8: emit(Opcode::Store8, {addr, v}); break;
    case MemSize::U16: emit(Opcode::Store16, {addr, v}); break;
    case MemSize::U32: emit(Opcode::Store32, {addr, v}); break;
    case MemSize::U64: emit(Opcode::Store64, {addr, v}); break;
  }
}

Value Builder::load_sized(Value addr, unsigned bytes) {
  return load(addr, static_cast<MemSize>(bytes));
}

void Builder::store_sized(Value addr, Value v, unsigned bytes) {
  store(addr, v, static_cast<MemSize>(bytes));
}

void Builder::set_cc(x86::CcOp op, Value dst, Value src, Value src2) {
  emit(Opcode::SetCc, {dst, src, src2}, static_cast<uint32_t>(op));
}

void Builder::set_cc_if(Value cond, x86::CcOp op, Value dst, Value src, Value src2) {
  emit(Opcode::SetCcIf, {cond, dst, src, src2}, static_cast<uint32_t>(op));
}

Value Builder::call(const HelperInfo& helper, std::initializer_list<Value> args) {
  assert(args.size() == helper.num_args);
  return emit(Opcode::Call, args, 0, 0, &helper);
}

void Builder::insn_start(uint32_t eip) {
  emit(Opcode::InsnStart, {}, eip);
  ++m_block.num_insns;
}

void Builder::exit_if(Value cond, uint32_t eip) {
  emit(Opcode::ExitIf, {cond}, eip, m_block.num_direct_exits++);
}

void Builder::exit_jump(uint32_t eip) {
  emit(Opcode::ExitJump, {}, eip, m_block.num_direct_exits++);
}

void Builder::exit_indirect(Value eip) {
  emit(Opcode::ExitIndirect, {eip});
}

void Builder::raise_fault(uint8_t vector, uint32_t error_code, uint32_t fault_addr) {
  emit(Opcode::RaiseFault, {}, error_code | uint64_t{fault_addr} << 32, vector);
}

void Builder::raise_trap(uint8_t vector, uint32_t next_eip) {
  emit(Opcode::RaiseTrap, {}, next_eip, vector);
}

void Builder::exit_syscall(uint32_t next_eip) {
  emit(Opcode::ExitSyscall, {}, next_eip);
}
void Builder::exit_halt(uint32_t next_eip) {
  emit(Opcode::ExitHalt, {}, next_eip);
}

}  // namespace dynemu::ir
