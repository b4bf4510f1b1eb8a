#include "emulator/x86/system/control.h"

#include "emulator/ir/opcodes.h"
#include "emulator/x86/lazy_flags.h"
#include "emulator/x86/system/descriptors.h"
#include "emulator/x86/system/memory.h"
#include "emulator/x86/tsc.h"

namespace dynemu::x86 {
namespace {

using ir::GuestEnv;

constexpr uint32_t kCr0Mp = 1u << 1, kCr0Em = 1u << 2, kCr0Ts = 1u << 3, kCr0Et = 1u << 4,
                   kCr0Ne = 1u << 5;

constexpr uint32_t kCr0Writable =
    kCr0Pe | kCr0Mp | kCr0Em | kCr0Ts | kCr0Ne | kCr0Wp | kCr0Am | kCr0Nw | kCr0Cd | kCr0Pg;
constexpr uint32_t kCr4Writable = kCr4Tsd | kCr4De | kCr4Pse | kCr4Pge | kCr4Pce;

// MSR numbers (SDM vol. 4, table 2-x for the P6 family).
enum Msr : uint32_t {
  kMsrTsc = 0x10,
  kMsrPlatformId = 0x17,
  kMsrTscAdjust = 0x3b,
  kMsrBiosUpdateTrigger = 0x79,
  kMsrBiosSignId = 0x8b,
  kMsrSysenterCs = 0x174,
  kMsrSysenterEsp = 0x175,
  kMsrSysenterEip = 0x176,
};

void gp(GuestEnv& env) {
  env.raise(kVecGP, 0);
}

// The bits whose change flushes the whole TLB: paging on/off, protection
// and the CR4 paging features.
constexpr uint32_t kCr0FlushBits = kCr0Pe | kCr0Pg | kCr0Wp;
constexpr uint32_t kCr4FlushBits = kCr4Pse | kCr4Pge;

bool write_cr0(GuestEnv& env, uint32_t value) {
  CpuState& s = *env.state;
  if (value & ~kCr0Writable & ~kCr0Et) return gp(env), false;
  if ((value & kCr0Pg) && !(value & kCr0Pe)) return gp(env), false;
  if ((value & kCr0Nw) && !(value & kCr0Cd)) return gp(env), false;
  value |= kCr0Et;  // the P6 hardwires ET
  const uint32_t changed = s.cr[0] ^ value;
  s.cr[0] = value;
  if (changed & kCr0FlushBits) env.flush_tlb(true);
  return true;
}

uint64_t mov_to_cr(GuestEnv& env, uint64_t n, uint64_t value64, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  const auto value = static_cast<uint32_t>(value64);
  switch (n) {
    case 0: write_cr0(env, value); break;
    case 2: s.cr[2] = value; break;
    case 3:
      s.cr[3] = value & 0xfffff018u;  // page directory base, PCD, PWT
      env.flush_tlb(false);
      break;
    case 4: {
      if (value & ~kCr4Writable) return gp(env), 0;
      const uint32_t changed = s.cr[4] ^ value;
      s.cr[4] = value;
      if (changed & kCr4FlushBits) env.flush_tlb(true);
      break;
    }
    default: env.raise(6); break;  // the translator sends only 0, 2, 3, 4
  }
  return 0;
}

uint64_t lmsw(GuestEnv& env, uint64_t value64, uint64_t, uint64_t, uint64_t) {
  const uint32_t cr0 = env.state->cr[0];
  const uint32_t low = static_cast<uint32_t>(value64) & 0xf;
  write_cr0(env, (cr0 & ~0xeu) | low | (cr0 & kCr0Pe));
  return 0;
}

// LLDT r/m16 (SDM vol. 2, LLDT)
uint64_t lldt(GuestEnv& env, uint64_t sel64, uint64_t, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  const auto sel = static_cast<uint16_t>(sel64);
  if ((sel & 0xfffc) == 0) {
    s.ldtr = SegmentCache{sel, 0, 0, 0};
    return 0;
  }
  if (sel & 4) return env.raise(kVecGP, sel & 0xfffc), 0;
  Descriptor d;
  if (Status st = fetch_descriptor(env, sel, d, kVecGP, 0); !st) {
    env.raise(st.fault().vector, st.fault().error_code, st.fault().addr);
    return 0;
  }
  if (!d.is_system() || d.type() != kLdt) return env.raise(kVecGP, sel & 0xfffc), 0;
  if (!d.present()) return env.raise(kVecNP, sel & 0xfffc), 0;
  s.ldtr = make_cache(sel, d);
  return 0;
}

// LTR r/m16 (SDM vol. 2, LTR): an available TSS in the GDT, marked busy.
uint64_t ltr(GuestEnv& env, uint64_t sel64, uint64_t, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  const auto sel = static_cast<uint16_t>(sel64);
  if ((sel & 0xfffc) == 0) return env.raise(kVecGP, 0), 0;
  if (sel & 4) return env.raise(kVecGP, sel & 0xfffc), 0;
  Descriptor d;
  Status st = fetch_descriptor(env, sel, d, kVecGP, 0);
  if (st) {
    if (!d.is_system() || (d.type() != kTss16Available && d.type() != kTss32Available))
      return env.raise(kVecGP, sel & 0xfffc), 0;
    if (!d.present()) return env.raise(kVecNP, sel & 0xfffc), 0;
    uint32_t where = 0;
    descriptor_address(s, sel, where);
    d.hi |= 0x200;
    const auto type_byte = static_cast<uint8_t>(d.hi >> 8);
    st = write_mem(env, Access::Supervisor, where + 5, &type_byte, 1);
  }
  if (!st) {
    env.raise(st.fault().vector, st.fault().error_code, st.fault().addr);
    return 0;
  }
  s.tr = make_cache(sel, d);
  return 0;
}

uint64_t invlpg(GuestEnv& env, uint64_t linear, uint64_t, uint64_t, uint64_t) {
  env.flush_tlb_page(static_cast<uint32_t>(linear));
  return 0;
}

uint64_t rdmsr(GuestEnv& env, uint64_t, uint64_t, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  uint64_t value;
  switch (s.gpr[kEcx]) {
    case kMsrTsc: value = guest_tsc(s); break;
    case kMsrTscAdjust: value = s.tsc_adjust; break;
    case kMsrPlatformId: value = 0; break;
    case kMsrBiosSignId: value = 0; break;  // no microcode update loaded
    case kMsrSysenterCs: value = s.sysenter_cs; break;
    case kMsrSysenterEsp: value = s.sysenter_esp; break;
    case kMsrSysenterEip: value = s.sysenter_eip; break;
    default: return gp(env), 0;
  }
  s.gpr[kEax] = static_cast<uint32_t>(value);
  s.gpr[kEdx] = static_cast<uint32_t>(value >> 32);
  return 0;
}

uint64_t wrmsr(GuestEnv& env, uint64_t, uint64_t, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  const uint32_t lo = s.gpr[kEax];
  const uint64_t value = uint64_t{s.gpr[kEdx]} << 32 | lo;
  switch (s.gpr[kEcx]) {
    case kMsrTsc: {
      const uint64_t offset = tsc_offset_for(value);
      s.tsc_adjust += offset - s.tsc_offset;
      s.tsc_offset = offset;
      break;
    }
    case kMsrTscAdjust:
      s.tsc_offset += value - s.tsc_adjust;
      s.tsc_adjust = value;
      break;
    case kMsrBiosUpdateTrigger:  // a microcode update: ignored
    case kMsrBiosSignId: break;  // written 0 before CPUID to read the revision
    case kMsrSysenterCs: s.sysenter_cs = lo & 0xffff; break;
    case kMsrSysenterEsp: s.sysenter_esp = lo; break;
    case kMsrSysenterEip: s.sysenter_eip = lo; break;
    default: return gp(env), 0;
  }
  return 0;
}

// SYSENTER (0F 34): to CPL 0 with flat segments derived from
// SYSENTER_CS (CS = it, SS = it + 8). #GP(0) in real mode or with SYSENTER_CS null.
uint64_t sysenter(GuestEnv& env, uint64_t, uint64_t, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  if (!(s.cr[0] & kCr0Pe) || (s.sysenter_cs & 0xfffc) == 0) return gp(env), 0;
  write_eflags(s, read_eflags(s) & ~(kVM | kIF | kRF));
  const auto cs = static_cast<uint16_t>(s.sysenter_cs & 0xfffc);
  // Flat 4 GiB, 32-bit, DPL 0: execute/read accessed code; read/write accessed data.
  s.seg[kCs] = SegmentCache{cs, 0, 0xffffffffu, 0xc09b};
  s.seg[kSs] = SegmentCache{static_cast<uint16_t>(cs + 8), 0, 0xffffffffu, 0xc093};
  s.gpr[kEsp] = s.sysenter_esp;
  s.eip = s.sysenter_eip;
  return s.eip;
}

// SYSEXIT (0F 35): to CPL 3 at EDX with stack ECX; CS = SYSENTER_CS + 16,
// SS = SYSENTER_CS + 24. #GP(0) unless at CPL 0 in protected mode.
uint64_t sysexit(GuestEnv& env, uint64_t, uint64_t, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  if (!(s.cr[0] & kCr0Pe) || (s.sysenter_cs & 0xfffc) == 0 || cpl_of(s) != 0) return gp(env), 0;
  const auto base = static_cast<uint16_t>(s.sysenter_cs & 0xfffc);
  s.seg[kCs] = SegmentCache{static_cast<uint16_t>((base + 16) | 3), 0, 0xffffffffu, 0xc0fb};
  s.seg[kSs] = SegmentCache{static_cast<uint16_t>((base + 24) | 3), 0, 0xffffffffu, 0xc0f3};
  s.gpr[kEsp] = s.gpr[kEcx];
  s.eip = s.gpr[kEdx];
  return s.eip;
}

constexpr uint16_t kState = ir::kReadsState | ir::kWritesState;
constexpr uint16_t kAll =
    kState | ir::kReadsCc | ir::kWritesCc | ir::kReadsMem | ir::kWritesMem | ir::kMayRaise;

}  // namespace

const ir::HelperInfo kMovToCrHelper{"mov_to_cr", &mov_to_cr, ir::Type::Void, 2,
                                    kState | ir::kMayRaise};
const ir::HelperInfo kLmswHelper{"lmsw", &lmsw, ir::Type::Void, 1, kState | ir::kMayRaise};
const ir::HelperInfo kLldtHelper{"lldt", &lldt, ir::Type::Void, 1, kAll};
const ir::HelperInfo kLtrHelper{"ltr", &ltr, ir::Type::Void, 1, kAll};
const ir::HelperInfo kInvlpgHelper{"invlpg", &invlpg, ir::Type::Void, 1, kState};
const ir::HelperInfo kRdmsrHelper{"rdmsr", &rdmsr, ir::Type::Void, 0, kState | ir::kMayRaise};
const ir::HelperInfo kWrmsrHelper{"wrmsr", &wrmsr, ir::Type::Void, 0, kState | ir::kMayRaise};
const ir::HelperInfo kSysenterHelper{"sysenter", &sysenter, ir::Type::I32, 0, kAll};
const ir::HelperInfo kSysexitHelper{"sysexit", &sysexit, ir::Type::I32, 0, kAll};

}  // namespace dynemu::x86
