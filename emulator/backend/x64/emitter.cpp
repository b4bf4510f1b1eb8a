#include "emulator/backend/x64/emitter.h"

#include <algorithm>
#include <cassert>
#include <memory>

namespace dynemu::backend::x64 {

using namespace Xbyak::util;

Emitter::Emitter(uint8_t* code, size_t size)
    : Xbyak::CodeGenerator(code ? size : 4096, code ? code : Xbyak::DontSetProtectRWE) {}

void Emitter::to_cold() {
  if (m_in_cold) return;
  std::swap(m_other_pos, size_);
  std::swap(m_other_limit, maxSize_);
  m_in_cold = true;
}

void Emitter::to_hot() {
  if (!m_in_cold) return;
  std::swap(m_other_pos, size_);
  std::swap(m_other_limit, maxSize_);
  m_in_cold = false;
}

void Emitter::emit_trampolines(size_t at, size_t limit, const Jit* jit) {
  reset();
  maxSize_ = limit;
  setSize(at);
  // Prologue: six callee-saved pushes + return address = 56 bytes, so the
  // frame (kFrameBytes, 8 mod 16) aligns rsp to 16 for helper calls. rcx:
  // the body to run (set by the block's entry).
  m_prologue = getCurr();
  push(rbx);
  push(rbp);
  push(r12);
  push(r13);
  push(r14);
  push(r15);
  sub(rsp, kFrameBytes);
  mov(r13, rdi);
  mov(r14, rsi);
  mov(qword[rsp + kFrameX87Slot], rdx);
  mov(rbx, qword[r13 + offsetof(ir::GuestEnv, state)]);
  mov(r12, qword[r13 + offsetof(ir::GuestEnv, guest_base)]);
  jmp(rcx);
  // Epilogue: rax holds the exit.
  m_shared_epilogue = getCurr();
  add(rsp, kFrameBytes);
  pop(r15);
  pop(r14);
  pop(r13);
  pop(r12);
  pop(rbp);
  pop(rbx);
  ret();
  emit_check_thunks(*this, jit);
}

void Emitter::call_c(const void* fn) {
  // The code cache is mapped near the executable (CodeCache) so that its
  // functions are in reach of a call rel32 (5 bytes instead of 12).
  const auto rel = reinterpret_cast<intptr_t>(fn) - reinterpret_cast<intptr_t>(getCurr() + 5);
  if (rel == static_cast<int32_t>(rel)) {
    call(fn);
  } else {
    mov(rax, reinterpret_cast<uint64_t>(fn));
    call(rax);
  }
}

void Emitter::jcc_near(unsigned cc, const Xbyak::Label& l) {
  switch (cc & 0xf) {
    case 0x2: jb(l, T_NEAR); break;
    case 0x3: jae(l, T_NEAR); break;
    case 0x4: je(l, T_NEAR); break;
    case 0x5: jne(l, T_NEAR); break;
    case 0x6: jbe(l, T_NEAR); break;
    case 0x7: ja(l, T_NEAR); break;
    case 0xc: jl(l, T_NEAR); break;
    case 0xd: jge(l, T_NEAR); break;
    case 0xe: jle(l, T_NEAR); break;
    case 0xf: jg(l, T_NEAR); break;
    default: throw Xbyak::Error(Xbyak::ERR_BAD_PARAMETER);
  }
}

void Emitter::leave_cold_if(unsigned cc, uint64_t exit_code) {
  auto out = std::make_shared<Xbyak::Label>();
  jcc_near(cc, *out);
  m_cold.push_back([this, out, exit_code, x87 = m_x87_resident] {
    L(*out);
    const bool resident = m_x87_resident;
    m_x87_resident = x87;
    leave(exit_code);
    m_x87_resident = resident;
  });
}

void Emitter::load32(const Xbyak::Reg32& r, ir::Value v) {
  if (!v.valid() || (m_is_const[v.id] && m_const[v.id] == 0))
    xor_(r, r);
  else if (m_is_const[v.id])
    mov(r, static_cast<uint32_t>(m_const[v.id]));
  else if (in_reg(v)) {
    if (reg32(v).getIdx() != r.getIdx()) mov(r, reg32(v));
  } else
    mov(r, tmp32(v));
}

void Emitter::load64(const Xbyak::Reg64& r, ir::Value v) {
  if (!v.valid() || (m_is_const[v.id] && m_const[v.id] == 0))
    xor_(r.cvt32(), r.cvt32());
  else if (m_is_const[v.id])
    mov(r, m_const[v.id]);
  else if (in_reg(v)) {
    if (reg64(v).getIdx() != r.getIdx()) mov(r, reg64(v));
  } else
    mov(r, tmp(v));
}

void Emitter::store32(ir::Value v, const Xbyak::Reg32& r) {
  if (m_ra.unused(v)) return;
  if (in_reg(v)) {
    // Writing the 32-bit register zero-extends, as temps hold i32 values.
    if (reg32(v).getIdx() != r.getIdx()) mov(reg32(v), r);
  } else
    mov(tmp(v), r.cvt64());  // the full slot (r's upper half is zero)
}

void Emitter::store64(ir::Value v, const Xbyak::Reg64& r) {
  if (m_ra.unused(v)) return;
  if (in_reg(v)) {
    if (reg64(v).getIdx() != r.getIdx()) mov(reg64(v), r);
  } else
    mov(tmp(v), r);
}

void Emitter::store_to(const Xbyak::Address& a, ir::Value v) {
  if (is_const(v) || !v.valid())
    mov(a, is_const(v) ? static_cast<uint32_t>(m_const[v.id]) : 0u);
  else if (in_reg(v))
    mov(a, reg32(v));
  else {
    mov(eax, tmp32(v));
    mov(a, eax);
  }
}

void Emitter::call_fn(const void* fn) {
  forget_cc();  // the callee may write the lazy flags
  // Any C call: what the block caches in registers is written back before
  // and reloaded after (a call on a conditional path leaves the code after
  // it as it found it).
  const bool x87 = m_x87_resident;
  if (x87) x87_save_code();
  // Lazy EIP: the callee may raise (EIP of this instruction) or read it;
  // and it may write code (SMC: exec looks at the running block).
  if (m_call_needs_eip) {
    store_eip(m_cur_eip);
    store_tag();
  }
  m_ra.for_live_caller_saved(m_pos, m_cur_dst, [&](uint16_t t, unsigned p) {
    mov(qword[r14 + 8 * t], Xbyak::Reg64(RegAlloc::host_index(p)));
  });
  call_c(fn);
  m_ra.for_live_caller_saved(m_pos, m_cur_dst, [&](uint16_t t, unsigned p) {
    mov(Xbyak::Reg64(RegAlloc::host_index(p)), qword[r14 + 8 * t]);
  });
  if (x87) x87_load_code(rcx, rdx);  // rax: the result
}

Emitter::CallSaves Emitter::call_saves() const {
  CallSaves saves;
  saves.x87 = m_x87_resident;
  saves.eip = m_cur_eip;
  saves.writes = ir::op_info(m_cur_op).effects & ir::kWritesMem;
  m_ra.for_live_caller_saved(m_pos, m_cur_dst,
                             [&](uint16_t t, unsigned p) { saves.regs.emplace_back(t, p); });
  return saves;
}

void Emitter::cold_call_fn(const void* fn, const CallSaves& saves) {
  if (saves.x87) x87_save_code();
  store_eip(saves.eip);           // cold: any slow path may raise (#PF, SMC stop)
  if (saves.writes) store_tag();  // a store may rewrite the running block
  for (auto [t, p] : saves.regs) mov(qword[r14 + 8 * t], Xbyak::Reg64(RegAlloc::host_index(p)));
  call_c(fn);
  for (auto [t, p] : saves.regs) mov(Xbyak::Reg64(RegAlloc::host_index(p)), qword[r14 + 8 * t]);
  if (saves.x87) x87_load_code(rcx, rdx);
}

void Emitter::leave(uint64_t exit_code) {
  if (m_x87_resident) x87_save_code();
  mov(rax, exit_code);
  jmp(*m_epilogue, T_NEAR);
}

void Emitter::store_tag(const Xbyak::Reg64& scratch) {
  if (!m_chain) return;
  mov(scratch, m_tag);
  mov(qword[r14 - 8], scratch);
}

void Emitter::leave_direct(uint32_t slot, uint32_t eip) {
  const bool x87 = m_x87_resident;
  if (x87) {
    x87_save_code();
    m_x87_resident = false;
  }
  if (m_chain) {
    auto stub = std::make_shared<Xbyak::Label>();
    // A store of this block rewrote it: exec must not follow its chain.
    // (Not when an InsnStart after the last store checked it already.)
    // The shared check leaves with Stopped at the EIP of its host code
    // (Jit::guest_eip_at): here the exit's target, where exec continues
    // (as after the stub; exec chains neither).
    const bool shared_check = m_store_unchecked && m_stop_check;
    if (shared_check) {
      m_pcs.push_back({static_cast<uint32_t>(getSize()), eip});
      call(m_stop_check);
    } else if (m_store_unchecked) {
      cmp(byte[r13 + offsetof(ir::GuestEnv, block_invalidated)], 0);
      jne(*stub, T_NEAR);
    }
    // jmp rel32, patched by exec (Jit::patch_exit); unlinked it goes to
    // the stub (cold), which stores the next EIP and leaves. Sites are hot
    // code, so they come in address order (patch_exit binary-searches them).
    assert(!m_in_cold);
    jmp(*stub, T_NEAR);
    m_exit_sites.emplace_back(slot, static_cast<uint32_t>(getSize() - 4));
    // The code after this exit (a conditional one's fall-through) is the
    // current instruction's again.
    if (shared_check) m_pcs.push_back({static_cast<uint32_t>(getSize()), m_cur_eip});
    m_cold.push_back([this, stub, slot, eip] {
      L(*stub);
      const bool resident = m_x87_resident;
      m_x87_resident = false;  // saved above
      store_eip(eip);
      leave(encode_exit(interp::ExitKind::Direct, slot));
      m_x87_resident = resident;
    });
  } else {
    store_eip(eip);
    leave(encode_exit(interp::ExitKind::Direct, slot));
  }
  m_x87_resident = x87;
}

void Emitter::emit_block(const ir::Block& block, size_t hot, size_t hot_limit, size_t cold,
                         size_t cold_limit) {
  // Constants, known everywhere (SSA): uses load immediates.
  m_is_const.assign(block.temp_types.size(), 0);
  m_const.assign(block.temp_types.size(), 0);
  for (const ir::Inst& inst : block.insts)
    if (inst.op == ir::Opcode::Const32 || inst.op == ir::Opcode::Const64)
      note_const(inst.dst,
                 inst.op == ir::Opcode::Const32 ? static_cast<uint32_t>(inst.imm) : inst.imm);
  bool has_fast = false;
  for (const ir::Inst& inst : block.insts) has_fast = has_fast || x87_inlinable(inst);

  reset();
  m_in_cold = false;
  maxSize_ = hot_limit;
  setSize(hot);
  m_other_pos = cold;
  m_other_limit = cold_limit;
  Xbyak::Label epilogue;
  std::map<uint32_t, Xbyak::Label> slow_at;
  m_epilogue = &epilogue;
  m_slow_at = &slow_at;
  m_cold.clear();
  m_cold_eips.clear();
  m_pcs.clear();
  m_exit_sites.clear();
  m_cur_eip = block.start_eip;
  // Chained blocks enter here, with the registers set up. They test the
  // exit request; a block entered from exec's loop (through the shared
  // prologue, which jumps to `entered`) does not: it runs at least its
  // first instruction.
  Xbyak::Label entered, request;
  m_body_offset = getSize();
  if (m_chain) {
    // The CPU loop wants control back (QEMU's exit_request): leave before
    // the first instruction, so that loops of chained blocks stay
    // interruptible without a budget.
    // EIP is not stored: exec sets it to the block's start (kEntryStop).
    // Inline, not a call to a shared check: it runs at every chained
    // entry, and a call/ret there cost tight loops ~30% (user-mode sieve).
    cmp(byte[r13 + offsetof(ir::GuestEnv, exit_request)], 0);
    jne(request, T_NEAR);
  }
  L(entered);
  if (has_fast) {
    x87_check(slow_at[0]);
    emit_version(block, true);
  }
  emit_version(block, false);
  // A verified block ends with a terminator, which leaves; nothing falls here.
  m_hot_end = getSize();
  to_cold();
  // The entry (BlockFn): the shared prologue, then `entered`.
  m_entry_off = getSize();
  lea(rcx, ptr[rip + entered]);
  jmp(m_prologue, T_NEAR);
  // Cold paths belong to the instruction that queued them (host faults and
  // helper calls there see its EIP). They may queue more.
  for (size_t k = 0; k < m_cold.size(); ++k) {
    m_pcs.push_back({static_cast<uint32_t>(getSize()), m_cold_eips[k]});
    m_cold_eips.resize(m_cold.size(), m_cold_eips[k]);
    auto f = std::move(m_cold[k]);
    f();
    m_cold_eips.resize(m_cold.size(), m_cold_eips[k]);
  }
  m_cold.clear();
  std::stable_sort(m_pcs.begin(), m_pcs.end(),
                   [](const PcEntry& a, const PcEntry& b) { return a.off < b.off; });
  if (m_chain) {
    L(request);
    mov(rax, encode_exit(interp::ExitKind::Stopped, kEntryStop));
  }
  L(epilogue);
  store_tag(rcx);  // the block that leaves (rax holds the exit)
  jmp(m_shared_epilogue, T_NEAR);
  m_cold_end = getSize();
  to_hot();
  m_slow_at = nullptr;
}

bool Emitter::fuses_with_exit(const ir::Block& block, uint32_t pos) const {
  const ir::Inst& inst = block.insts[pos];
  switch (inst.op) {
    case ir::Opcode::Eq:
    case ir::Opcode::Ne:
    case ir::Opcode::LtU:
    case ir::Opcode::LeU:
    case ir::Opcode::LtS:
    case ir::Opcode::LeS: break;
    default: return false;
  }
  if (pos + 1 >= block.insts.size() || m_slow_at->count(pos + 1)) return false;
  const ir::Inst& next = block.insts[pos + 1];
  return next.op == ir::Opcode::ExitIf && next.args[0] == inst.dst &&
         m_ra.last_use(inst.dst) == pos + 1;
}

void Emitter::emit_version(const ir::Block& block, bool fast) {
  m_x87_fast = fast;
  m_x87_resident = false;
  m_may_have_stored = false;
  m_store_unchecked = false;
  forget_cc();
  m_ra.begin(block);
  for (m_pos = 0; m_pos < block.insts.size(); ++m_pos) {
    const ir::Inst& inst = block.insts[m_pos];
    // The fast version may continue here in this one (same allocation).
    if (!fast) {
      if (auto it = m_slow_at->find(m_pos); it != m_slow_at->end()) {
        L(it->second);
        forget_cc();  // the fast version jumps here
      }
    }
    const RegAlloc::Spill spill = m_ra.before(m_pos, inst);
    if (spill.temp != ir::Value::kNone)
      mov(qword[r14 + 8 * spill.temp], Xbyak::Reg64(RegAlloc::host_index(spill.reg)));
    m_cur_dst = inst.dst.id;
    if (fuses_with_exit(block, m_pos)) {
      m_fused_cmp = &inst;
      continue;
    }
    m_cur_op = inst.op;
    m_call_needs_eip =
        inst.op == ir::Opcode::Call || (ir::op_info(inst.op).effects & ir::kMayRaise);
    const bool x87_image = fast && x87_state_overlaps(inst);
    if (x87_image) x87_settle();
    switch (inst.op) {
#define OPCODE(id, name, res, a0, a1, a2, a3, imm, fx) \
  case ir::Opcode::id:                                 \
    emit_##id(*this, inst);                            \
    break;
#include "emulator/ir/opcodes.inc"
#undef OPCODE
      default: break;
    }
    if (x87_image && (ir::op_info(inst.op).effects & ir::kWritesState)) x87_recheck();
    const uint16_t fx = ir::op_info(inst.op).effects;
    if ((fx & ir::kWritesCc) && inst.op != ir::Opcode::SetCc) forget_cc();
    // A store into a host-protected page faults instead (kMemHostProtected):
    // nothing for GuestEnv::block_invalidated to report.
    const bool host_protected = inst.op != ir::Opcode::Call && (inst.aux & ir::kMemHostProtected);
    if ((fx & ir::kWritesMem) && !host_protected &&
        (inst.op != ir::Opcode::Call || (inst.helper->effects & ir::kWritesMem))) {
      m_may_have_stored = true;
      m_store_unchecked = true;
    }
    m_cold_eips.resize(m_cold.size(), m_cur_eip);
  }
}

}  // namespace dynemu::backend::x64
