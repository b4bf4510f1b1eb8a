#include "emulator/x86/fpu/x87_exec.h"

#include <cstring>

#include "emulator/x86/fpu/fpu_env.h"
#include "emulator/x86/fpu/host_x87.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu::x86::fpu {
namespace {

bool is_real(X87ImageFormat f) {
  return f == X87ImageFormat::Real32 || f == X87ImageFormat::Real16;
}

// A non-control instruction records where it was and what it touched
// (SDM vol. 1, 8.1.8). In real mode the pointers are linear addresses.
void record_pointers(CpuState& cpu, const X87Insn& in, const X87Form& form, uint32_t eip,
                     uint32_t ea) {
  FpuState& f = cpu.fpu;
  const bool real = is_real(in.format);
  f.last_ip = real ? cpu.seg[kCs].base + eip : eip;
  f.last_cs = real ? 0 : cpu.seg[kCs].selector;
  f.last_opcode = uint16_t((in.op & 7) << 8 | in.modrm);
  if (form.operand != X87Operand::None) {
    const SegmentCache& seg = cpu.seg[in.segment < 6 ? in.segment : unsigned(kDs)];
    f.last_dp = real ? seg.base + ea : ea;
    f.last_ds = real ? 0 : seg.selector;
  }
}

// Runs a store form and reports whether the host wrote the operand: with an
// unmasked exception (other than precision) hardware leaves memory alone. A
// sentinel tells; if the result happens to equal it, a second run with a
// different sentinel decides.
bool run_store(FpuState& f, uint8_t op, uint8_t reg, unsigned bytes) {
  const FpuState before = f;
  std::memset(f.operand, 0xa5, bytes);
  host::run_mem(f, op, reg);
  if (!f.exception_pending()) return true;
  uint8_t sentinel[16];
  std::memset(sentinel, 0xa5, sizeof sentinel);
  if (std::memcmp(f.operand, sentinel, bytes) != 0) return true;
  f = before;
  std::memset(f.operand, 0x5a, bytes);
  host::run_mem(f, op, reg);
  std::memset(sentinel, 0x5a, sizeof sentinel);
  return std::memcmp(f.operand, sentinel, bytes) != 0;
}

uint32_t execute_fxsr(CpuState& cpu, const X87Insn& in, uint32_t ea) {
  const unsigned reg = (in.modrm >> 3) & 7;
  if (in.modrm >= 0xc0 || reg > 1) return kX87RaiseUd;
  if (cpu.cr[0] & kCr0Em) return kX87RaiseUd;
  if (cpu.cr[0] & kCr0Ts) return kX87RaiseNm;
  if (ea & 15) return kX87RaiseGp;
  if (reg == 0)
    store_fxsave(cpu.fpu, cpu.fpu.operand);
  else
    load_fxsave(cpu.fpu, cpu.fpu.operand);
  return kX87Done;
}

}  // namespace

uint32_t x87_execute(CpuState& cpu, uint32_t packed_insn, uint32_t eip, uint32_t ea) {
  const X87Insn in = X87Insn::unpack(packed_insn);
  FpuState& f = cpu.fpu;

  // FWAIT (9B): only checks for a pending exception.
  if (in.op == 0x9b) {
    if ((cpu.cr[0] & (kCr0Mp | kCr0Ts)) == (kCr0Mp | kCr0Ts)) return kX87RaiseNm;
    return f.exception_pending() ? kX87RaiseMf : kX87Done;
  }
  if (in.op == 0xae) return execute_fxsr(cpu, in, ea);
  if (in.op < 0xd8 || in.op > 0xdf) return kX87RaiseUd;

  const X87Form form = x87_form(in.op, in.modrm);
  if (!form.valid()) return kX87RaiseUd;
  // #NM before #MF: an OS switching FPU contexts lazily sets TS.
  if (cpu.cr[0] & (kCr0Em | kCr0Ts)) return kX87RaiseNm;
  if (form.has(kX87Waiting) && f.exception_pending()) return kX87RaiseMf;

  // The host's images carry the host's instruction and data pointers: keep
  // the guest's across the host run.
  const uint32_t ip = f.last_ip, dp = f.last_dp;
  const uint16_t cs = f.last_cs, ds = f.last_ds, fop = f.last_opcode;
  uint32_t outcome = kX87Done;

  if (form.operand == X87Operand::None) {
    if (form.has(kX87WritesAx)) {
      // FNSTSW AX: the status word as FNSAVE left it (TOP, ES and B current).
      cpu.gpr[kEax] = (cpu.gpr[kEax] & 0xffff0000u) | f.status;
      return kX87Done;
    }
    if (form.has(kX87Eflags)) {
      const uint32_t flags = host::run_reg(f, in.op, in.modrm, read_eflags(cpu));
      write_eflags(cpu, flags);
    } else {
      host::run_reg(f, in.op, in.modrm, 0);
    }
  } else if (form.has(kX87EnvImage)) {
    const bool env = form.operand == X87Operand::Env;
    if (form.has(kX87Store)) {
      env ? store_env(f, in.format, f.operand) : store_state(f, in.format, f.operand);
    } else {
      env ? load_env(f, in.format, f.operand) : load_state(f, in.format, f.operand);
    }
    return kX87Done;  // these set the pointers themselves
  } else if (form.has(kX87Store)) {
    const unsigned bytes = x87_operand_bytes(form.operand, in.format);
    if (!run_store(f, in.op, (in.modrm >> 3) & 7, bytes)) outcome = kX87NoStore;
  } else {
    host::run_mem(f, in.op, (in.modrm >> 3) & 7);
  }

  f.last_ip = ip;
  f.last_dp = dp;
  f.last_cs = cs;
  f.last_ds = ds;
  f.last_opcode = fop;
  if (in.op == 0xdb && in.modrm == 0xe3) {
    f.last_ip = f.last_dp = 0;  // FNINIT clears the pointers
    f.last_cs = f.last_ds = f.last_opcode = 0;
  } else if (!form.has(kX87Control)) {
    record_pointers(cpu, in, form, eip, ea);
  }
  return outcome;
}

uint64_t x87_helper(ir::GuestEnv& env, uint64_t insn, uint64_t eip, uint64_t ea, uint64_t) {
  const uint32_t r = x87_execute(*env.state, uint32_t(insn), uint32_t(eip), uint32_t(ea));
  switch (r) {
    case kX87Done: return 0;
    case kX87NoStore: return 1;
    case kX87RaiseGp: env.raise(13, 0); return 0;
    default: env.raise(uint8_t(r)); return 0;  // #MF, #UD, #NM
  }
}

}  // namespace dynemu::x86::fpu
