// x87 FPU (SDM vol. 1, chapter 8; opcode map vol. 2, A.5): D8-DF, FWAIT (9B),
// FXSAVE/FXRSTOR (0F AE /0 /1).
//
// Every x87 instruction becomes one helper call that runs the very same
// instruction on the host's x87 unit (emulator/x86/fpu/). Guest memory is
// only touched here, by IR loads and stores around the call, through the
// staging buffer FpuState::operand:
//
//   [probe the destination]  load operand -> FpuState::operand
//   r = call x87(insn, eip, ea)          may raise #MF (pending exception)
//   exit_if(r, next)                     an unmasked exception kept memory
//   store FpuState::operand -> operand
#include "emulator/x86/translate_x87.h"

#include <cstddef>

#include "emulator/ir/helper.h"
#include "emulator/x86/fpu/fpu_env.h"
#include "emulator/x86/fpu/x87_exec.h"
#include "emulator/x86/translator.h"

namespace dynemu::x86 {
namespace {

using fpu::X87Form;
using fpu::X87ImageFormat;

using fpu::kX87FlagsHelper;
using fpu::kX87Helper;

constexpr uint32_t kOperandOffset = offsetof(CpuState, fpu) + offsetof(FpuState, operand);

// Copies `bytes` (even) of guest memory at `addr` into the staging buffer.
void load_operand(ir::Builder& b, ir::Value addr, unsigned bytes) {
  for (unsigned off = 0; off < bytes;) {
    const unsigned n = bytes - off >= 4 ? 4 : 2;
    const ir::Value v = b.load_sized(off ? b.add(addr, off) : addr, n);
    b.set_state(kOperandOffset + off, n, v);
    off += n;
  }
}

void store_operand(ir::Builder& b, ir::Value addr, unsigned bytes) {
  for (unsigned off = 0; off < bytes;) {
    const unsigned n = bytes - off >= 4 ? 4 : 2;
    b.store_sized(off ? b.add(addr, off) : addr, b.get_state(kOperandOffset + off, n), n);
    off += n;
  }
}

// Rewrites the first and last chunk of the destination with their own
// contents, so that a store fault (#PF, segment limit) is raised before the
// helper pops the stack or reinitializes the unit: the instruction then
// restarts from an unchanged state. The operand spans at most two pages.
void probe_store(ir::Builder& b, ir::Value addr, unsigned bytes) {
  const unsigned n = bytes >= 4 ? 4 : 2;
  b.store_sized(addr, b.load_sized(addr, n), n);
  if (bytes > n) {
    const ir::Value last = b.add(addr, bytes - n);
    b.store_sized(last, b.load_sized(last, n), n);
  }
}

X87ImageFormat image_format(const Translator& t, const Insn& insn) {
  const bool real = !(t.mode() & ir::kModeProtected) || (t.mode() & ir::kModeVm86);
  if (insn.opsize == 2) return real ? X87ImageFormat::Real16 : X87ImageFormat::Protected16;
  return real ? X87ImageFormat::Real32 : X87ImageFormat::Protected32;
}

// The paths below that skip the helper still raise #NM where it would:
// CR0.EM or CR0.TS set (a guest OS switching FPU contexts lazily).
void fault_if_no_fpu(Translator& t) {
  ir::Builder& b = t.ir();
  const ir::Value cr0 = b.get_state(offsetof(CpuState, cr), 4);
  t.fault_if(b.and_(cr0, fpu::kCr0Em | fpu::kCr0Ts), 7);
}

ir::Value call_x87(Translator& t, const fpu::X87Insn& in, uint32_t eip, ir::Value ea, bool flags) {
  ir::Builder& b = t.ir();
  return b.call(flags ? kX87FlagsHelper : kX87Helper, {b.imm32(in.pack()), b.imm32(eip), ea});
}

// FXSAVE m512byte (0F AE /0), FXRSTOR m512byte (0F AE /1). The guest has
// FXSR but no SSE: the x87 part (160 bytes) is written and read.
void translate_fxsr(Translator& t, const Insn& insn, bool save) {
  ir::Builder& b = t.ir();
  const fpu::X87Insn in{0xae, insn.modrm, image_format(t, insn), insn.mem.seg};
  const ir::Value ea = t.effective_address(insn);
  const ir::Value addr = t.linear(insn.mem.seg, ea, fpu::kFxsaveX87Bytes, save);
  if (!save) load_operand(b, addr, fpu::kFxsaveX87Bytes);
  call_x87(t, in, insn.eip, ea, false);
  if (save) store_operand(b, addr, fpu::kFxsaveX87Bytes);
}

}  // namespace

bool translate_x87(Translator& t, const Insn& insn) {
  ir::Builder& b = t.ir();
  switch (insn.op) {
    case Op::Fwait:  // FWAIT (9B): #MF if an unmasked exception is pending
      call_x87(t, fpu::X87Insn{0x9b}, insn.eip, b.imm32(0), false);
      return true;
    case Op::Fxsave: translate_fxsr(t, insn, true); return true;
    case Op::Fxrstor: translate_fxsr(t, insn, false); return true;
    default: break;
  }
  const uint8_t op = uint8_t(insn.opcode);
  if (op < 0xd8 || op > 0xdf) return false;
  const X87Form form = fpu::x87_form(op, insn.modrm);
  if (!form.valid()) return false;

  // FNSTSW AX (DF E0): no-wait, no host work: AX = status word.
  if (form.has(fpu::kX87WritesAx)) {
    fault_if_no_fpu(t);
    b.set_reg(kEax, 2, b.get_state(offsetof(CpuState, fpu) + offsetof(FpuState, status), 2));
    return true;
  }

  const fpu::X87Insn in{op, insn.modrm, image_format(t, insn), insn.mem.seg};
  if (insn.modrm >= 0xc0) {
    call_x87(t, in, insn.eip, b.imm32(0), form.has(fpu::kX87Eflags));
    return true;
  }

  const unsigned bytes = fpu::x87_operand_bytes(form.operand, in.format);
  const ir::Value ea = t.effective_address(insn);
  const ir::Value addr = t.linear(insn.mem.seg, ea, bytes ? bytes : 1, form.has(fpu::kX87Store));
  const unsigned reg = (insn.modrm >> 3) & 7;

  // FNSTCW m2byte (D9 /7), FNSTSW m2byte (DD /7): no-wait control
  // instructions that only copy a word out; no host work needed. (gcc emits
  // FNSTCW for every float-to-int conversion.)
  if ((op == 0xd9 || op == 0xdd) && reg == 7) {
    const uint32_t field = op == 0xd9 ? offsetof(FpuState, control) : offsetof(FpuState, status);
    fault_if_no_fpu(t);
    b.store_sized(addr, b.get_state(offsetof(CpuState, fpu) + field, 2), 2);
    return true;
  }
  // Stores that change the stack or the unit before storing (FSTP, FISTP,
  // FBSTP, FNSTENV, FNSAVE) must not fault after the helper ran.
  const bool changes_state =
      form.has(fpu::kX87EnvImage) ||
      (!form.has(fpu::kX87Control) && ((reg & 3) == 3 || (op == 0xdf && reg == 6)));
  if (form.has(fpu::kX87Store) && changes_state) probe_store(b, addr, bytes);
  if (form.has(fpu::kX87Load)) load_operand(b, addr, bytes);
  const ir::Value r = call_x87(t, in, insn.eip, ea, false);
  if (form.has(fpu::kX87Store)) {
    b.exit_if(r, insn.next_eip());
    store_operand(b, addr, bytes);
  }
  return true;
}

}  // namespace dynemu::x86
