#include "emulator/x86/helpers.h"

#include <cstring>

#include "emulator/core/bits.h"
#include "emulator/ir/opcodes.h"
#include "emulator/x86/cpu_state.h"
#include "emulator/x86/system/descriptors.h"
#include "emulator/x86/system/mode_bits.h"
#include "emulator/x86/tsc.h"

namespace dynemu::x86 {
namespace {

using ir::GuestEnv;

uint64_t raise_if(GuestEnv& env, uint64_t cond, uint64_t vector, uint64_t code, uint64_t) {
  if (static_cast<uint32_t>(cond))
    env.raise(static_cast<uint8_t>(vector), static_cast<uint32_t>(code));
  return 0;
}

// MOV/POP Sreg, LDS... (SDM vol. 3, 5.4.1 and vol. 2, MOV): real and
// virtual-8086 mode load selector << 4; protected mode checks the
// descriptor (system/descriptors.h). Loading SS starts an interrupt shadow.
uint64_t load_segment(GuestEnv& env, uint64_t seg_arg, uint64_t sel_arg, uint64_t key_mode,
                      uint64_t) {
  CpuState& s = *env.state;
  const unsigned seg = static_cast<unsigned>(seg_arg);
  const uint16_t sel = static_cast<uint16_t>(sel_arg);
  if (!(s.cr[0] & 1) || (s.eflags & kVM)) {
    load_real_segment(s, seg, sel);
  } else if (const Status st = load_protected_segment(env, seg, sel); !st) {
    env.raise(st.fault().vector, st.fault().error_code, st.fault().addr);
    return 0;
  }
  check_block_mode(env, static_cast<uint32_t>(key_mode));
  if (seg == kSs) {
    s.int_shadow = 1;
    // System mode: the CPU loop must see the shadow (no chained exit).
    if (key_mode & ir::kModeSystem) env.block_invalidated = true;
  }
  return 0;
}

// Reads the descriptor of `sel` into lo/hi; false if it lies beyond its table.
bool read_descriptor(GuestEnv& env, uint16_t sel, uint32_t& lo, uint32_t& hi, uint32_t* where) {
  const CpuState& s = *env.state;
  const bool ldt = sel & 4;
  const uint32_t table_base = ldt ? s.ldtr.base : s.gdtr.base;
  const uint32_t table_limit = ldt ? s.ldtr.limit : s.gdtr.limit;
  const uint32_t index = sel & 0xfff8;
  if (index + 7 > table_limit) return false;
  uint32_t words[2];
  if (!env.read_sys(table_base + index, words, 8)) return false;
  lo = words[0];
  hi = words[1];
  if (where) *where = table_base + index;
  return true;
}

uint32_t descriptor_limit(uint32_t lo, uint32_t hi) {
  uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & (1u << 23)) ? (limit << 12) | 0xfff : limit;
}

// SDM vol. 2, JMP/CALL/RET (far, same privilege) and vol. 3, 5.8.
uint64_t load_code_segment(GuestEnv& env, uint64_t sel_arg, uint64_t kind, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  const uint16_t sel = static_cast<uint16_t>(sel_arg);
  SegmentCache& cs = s.seg[kCs];
  if (!(s.cr[0] & 1) || (s.eflags & kVM)) {
    cs.selector = sel;
    cs.base = uint32_t{sel} << 4;
    return 0;
  }
  const uint16_t error = sel & 0xfffc;
  if (error == 0) return env.raise(kVectorGP, 0), 0;
  uint32_t lo, hi, where;
  if (!read_descriptor(env, sel, lo, hi, &where)) return env.raise(kVectorGP, error), 0;
  const unsigned type = (hi >> 8) & 0xf, dpl = (hi >> 13) & 3, rpl = sel & 3;
  const unsigned cpl = cs.selector & 3;
  const bool code = (hi & (1u << 12)) && (type & 8), conforming = type & 4;
  if (!code) return env.raise(kVectorGP, error), 0;
  const bool is_return = kind != 0;
  bool ok;
  if (is_return)
    ok = rpl == cpl && (conforming ? dpl <= rpl : dpl == rpl);
  else
    ok = conforming ? dpl <= cpl : (rpl <= cpl && dpl == cpl);
  if (!ok) return env.raise(kVectorGP, error), 0;
  if (!(hi & (1u << 15))) return env.raise(kVectorNP, error), 0;
  if (!(hi & 0x100)) {
    const uint32_t accessed = hi | 0x100;
    if (!env.write_sys(where + 4, &accessed, 4)) return 0;
  }
  cs.selector = static_cast<uint16_t>((sel & 0xfffc) | cpl);
  cs.base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
  cs.limit = descriptor_limit(lo, hi);
  cs.flags = (hi >> 8) & 0xffff;
  return 0;
}

// SDM vol. 2, LAR/LSL/VERR/VERW: which descriptors each accepts.
uint64_t descriptor_query(GuestEnv& env, uint64_t sel_arg, uint64_t kind, uint64_t, uint64_t) {
  const CpuState& s = *env.state;
  const uint16_t sel = static_cast<uint16_t>(sel_arg);
  uint32_t lo, hi;
  // A #PF reading the table stays raised in env (read_descriptor's read_sys).
  if ((sel & 0xfffc) == 0 || !read_descriptor(env, sel, lo, hi, nullptr)) return 0;
  const unsigned type = (hi >> 8) & 0xf, dpl = (hi >> 13) & 3, rpl = sel & 3;
  const unsigned cpl = s.seg[kCs].selector & 3;
  const bool segment = hi & (1u << 12);
  const bool code = segment && (type & 8), conforming = code && (type & 4);
  if (!conforming && (dpl < cpl || dpl < rpl)) return 0;
  bool valid;
  switch (kind) {
    case 0:  // LAR: segments, LDT, TSS, call/task gates
      valid = segment || (type != 0 && type != 6 && type != 7 && type != 8 && type != 10 &&
                          type != 13 && type != 14 && type != 15);
      return valid ? (uint64_t{1} << 32 | (hi & 0x00f0ff00)) : 0;
    case 1:  // LSL: segments, LDT, TSS
      valid = segment || type == 1 || type == 2 || type == 3 || type == 9 || type == 11;
      return valid ? (uint64_t{1} << 32 | descriptor_limit(lo, hi)) : 0;
    case 2:  // VERR: readable segments
      return segment && (!code || (type & 2)) ? uint64_t{1} << 32 : 0;
    default:  // VERW: writable data
      return segment && !code && (type & 2) ? uint64_t{1} << 32 : 0;
  }
}

uint64_t cpuid(GuestEnv& env, uint64_t, uint64_t, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  const CpuidResult r = cpuid_leaf(s.gpr[kEax], s.gpr[kEcx]);
  s.gpr[kEax] = r.eax;
  s.gpr[kEbx] = r.ebx;
  s.gpr[kEcx] = r.ecx;
  s.gpr[kEdx] = r.edx;
  return 0;
}

uint64_t rdtsc(GuestEnv& env, uint64_t, uint64_t, uint64_t, uint64_t) {
  const uint64_t tsc = guest_tsc(*env.state);
  env.state->gpr[kEax] = static_cast<uint32_t>(tsc);
  env.state->gpr[kEdx] = static_cast<uint32_t>(tsc >> 32);
  return 0;
}

// RCL/RCR rotate through CF: an (n+1)-bit rotation, count taken modulo n+1
// for 8/16-bit operands (SDM vol. 2, RCL/RCR/ROL/ROR).
uint64_t rcl(GuestEnv&, uint64_t value, uint64_t count, uint64_t cf, uint64_t bytes) {
  const unsigned bits = static_cast<unsigned>(bytes) * 8;
  unsigned c = static_cast<unsigned>(count) & 31;
  if (bits < 32) c %= bits + 1;
  uint64_t x = (value & size_mask(static_cast<unsigned>(bytes))) | (uint64_t{cf & 1} << bits);
  const uint64_t mask = (uint64_t{1} << (bits + 1)) - 1;
  if (c) x = ((x << c) | (x >> (bits + 1 - c))) & mask;
  return (x & size_mask(static_cast<unsigned>(bytes))) | ((x >> bits) & 1) << 32;
}

uint64_t rcr(GuestEnv&, uint64_t value, uint64_t count, uint64_t cf, uint64_t bytes) {
  const unsigned bits = static_cast<unsigned>(bytes) * 8;
  unsigned c = static_cast<unsigned>(count) & 31;
  if (bits < 32) c %= bits + 1;
  uint64_t x = (value & size_mask(static_cast<unsigned>(bytes))) | (uint64_t{cf & 1} << bits);
  const uint64_t mask = (uint64_t{1} << (bits + 1)) - 1;
  if (c) x = ((x >> c) | (x << (bits + 1 - c))) & mask;
  return (x & size_mask(static_cast<unsigned>(bytes))) | ((x >> bits) & 1) << 32;
}

uint32_t szp(uint8_t v) {
  return (v == 0 ? kZF : 0) | (v & 0x80 ? kSF : 0) | (parity_even(v) ? kPF : 0);
}

uint64_t pack(uint32_t eax, uint32_t flags) {
  return eax | uint64_t{flags & kArithFlags} << 32;
}

// SDM vol. 2, DAA/DAS/AAA/AAS/AAM/AAD pseudocode; OF as this host leaves it
// (the SDM calls it undefined): from the signed overflow of the AL adjust.
uint64_t daa(GuestEnv&, uint64_t eax64, uint64_t fl64, uint64_t, uint64_t) {
  const uint32_t eax = static_cast<uint32_t>(eax64), fl = static_cast<uint32_t>(fl64);
  const uint8_t old_al = eax & 0xff;
  uint8_t al = old_al;
  uint32_t out = 0;
  if ((al & 0xf) > 9 || (fl & kAF)) {
    al += 6;
    out |= kAF;
  }
  if (old_al > 0x99 || (fl & kCF)) {
    al += 0x60;
    out |= kCF;
  }
  out |= szp(al);
  if (((old_al ^ al) & ~old_al & 0x80)) out |= kOF;
  return pack((eax & ~0xffu) | al, out);
}

uint64_t das(GuestEnv&, uint64_t eax64, uint64_t fl64, uint64_t, uint64_t) {
  const uint32_t eax = static_cast<uint32_t>(eax64), fl = static_cast<uint32_t>(fl64);
  const uint8_t old_al = eax & 0xff;
  uint8_t al = old_al;
  uint32_t out = 0;
  if ((al & 0xf) > 9 || (fl & kAF)) {
    if (al < 6) out |= kCF;  // the borrow of AL - 6 (SDM pseudocode)
    al -= 6;
    out |= kAF;
  }
  if (old_al > 0x99 || (fl & kCF)) {
    al -= 0x60;
    out |= kCF;
  }
  out |= szp(al);
  if (((old_al ^ al) & old_al & 0x80)) out |= kOF;
  return pack((eax & ~0xffu) | al, out);
}

// AAA/AAS as this host does them: AX +/- 0x106 as one 16-bit operation
// when adjusting; SF ZF PF OF of that 16-bit operation (PF from the low
// byte); then AL's high nibble is cleared.
uint32_t szp16(uint16_t v) {
  return (v == 0 ? kZF : 0) | (v & 0x8000 ? kSF : 0) | (parity_even(v & 0xff) ? kPF : 0);
}

uint64_t aaa(GuestEnv&, uint64_t eax64, uint64_t fl64, uint64_t, uint64_t) {
  uint32_t eax = static_cast<uint32_t>(eax64);
  const uint32_t fl = static_cast<uint32_t>(fl64);
  uint32_t out = 0;
  if ((eax & 0xf) > 9 || (fl & kAF)) {
    const uint16_t old = eax & 0xffff, sum = static_cast<uint16_t>(old + 0x106);
    if (~(old ^ 0x106) & (old ^ sum) & 0x8000) out |= kOF;
    eax = (eax & ~0xffffu) | sum;
    out |= kAF | kCF;
  }
  out |= szp16(eax & 0xffff);
  return pack((eax & ~0xffu) | (eax & 0x0f), out);
}

uint64_t aas(GuestEnv&, uint64_t eax64, uint64_t fl64, uint64_t, uint64_t) {
  uint32_t eax = static_cast<uint32_t>(eax64);
  const uint32_t fl = static_cast<uint32_t>(fl64);
  uint32_t out = 0;
  if ((eax & 0xf) > 9 || (fl & kAF)) {
    const uint16_t old = eax & 0xffff, diff = static_cast<uint16_t>(old - 0x106);
    if ((old ^ 0x106) & (old ^ diff) & 0x8000) out |= kOF;
    eax = (eax & ~0xffffu) | diff;
    out |= kAF | kCF;
  }
  out |= szp16(eax & 0xffff);
  return pack((eax & ~0xffu) | (eax & 0x0f), out);
}

uint64_t aam(GuestEnv& env, uint64_t eax64, uint64_t, uint64_t imm, uint64_t) {
  const uint32_t eax = static_cast<uint32_t>(eax64);
  const uint8_t base = static_cast<uint8_t>(imm);
  if (base == 0) return env.raise(kVectorDE), 0;
  const uint8_t al = eax & 0xff;
  const uint8_t new_al = al % base, ah = al / base;
  return pack((eax & ~0xffffu) | uint32_t{ah} << 8 | new_al, szp(new_al));
}

// AAD: AL = AL + AH * imm8, AH = 0; the flags are those of that 8-bit
// addition on this host (the SDM leaves CF, AF and OF undefined).
uint64_t aad(GuestEnv&, uint64_t eax64, uint64_t, uint64_t imm, uint64_t) {
  const uint32_t eax = static_cast<uint32_t>(eax64);
  const uint8_t al = eax & 0xff, ah = (eax >> 8) & 0xff;
  const uint8_t product = static_cast<uint8_t>(ah * static_cast<uint8_t>(imm));
  const uint8_t new_al = static_cast<uint8_t>(al + product);
  uint32_t out = szp(new_al);
  if (new_al < al) out |= kCF;
  if ((al ^ product ^ new_al) & 0x10) out |= kAF;
  if ((~(al ^ product) & (al ^ new_al)) & 0x80) out |= kOF;
  return pack((eax & ~0xffffu) | new_al, out);
}

constexpr uint16_t kPure = ir::kPure;
constexpr uint16_t kState = ir::kReadsState | ir::kWritesState;

}  // namespace

CpuidResult cpuid_leaf(uint32_t leaf, uint32_t) {
  // "GenuineIntel" in EBX, EDX, ECX order. The basic leaves reach 0x16 only
  // to state the TSC rate (0x15, 0x16); the only other ones past 2 are 7
  // (IA32_TSC_ADJUST exists) and 0x80000007 (the TSC is invariant). With
  // those three facts Linux trusts the TSC without a clocksource watchdog:
  // with only the PIT no clocksource could validate it, so Linux would run
  // without high-resolution timers, and under host load the watchdog
  // (comparing with PIT ticks the host was late to deliver) could declare
  // the TSC unstable.
  constexpr uint32_t kMaxBasic = 0x16, kMaxExtended = 0x80000007;
  static constexpr char kBrand[49] = "dynemu virtual P6 CPU";
  if (leaf >= 0x80000000) {
    if (leaf == 0x80000000) return {kMaxExtended, 0, 0, 0};
    if (leaf == 0x80000007) return {0, 0, 0, 1u << 8};
    if (leaf >= 0x80000002 && leaf <= 0x80000004) {
      uint32_t r[4];
      std::memcpy(r, kBrand + (leaf - 0x80000002) * 16, 16);
      return {r[0], r[1], r[2], r[3]};
    }
    if (leaf <= kMaxExtended) return {0, 0, 0, 0};
    leaf = kMaxBasic;
  }
  if (leaf > kMaxBasic) leaf = kMaxBasic;
  // TSC = crystal * EBX / EAX (leaf 0x15); base and maximum MHz (leaf 0x16).
  constexpr uint32_t kCrystalHz = 25'000'000;
  static_assert(kTscHz % kCrystalHz == 0);
  constexpr uint32_t kTscMhz = kTscHz / 1'000'000;
  switch (leaf) {
    case 0: return {kMaxBasic, 0x756e6547, 0x6c65746e, 0x49656e69};
    case 1: {
      // Family 6, model 3, stepping 3 (the first P6 whose SEP bit is true:
      // Linux clears SEP below 6.3.3, the Pentium Pro's erratum). EDX: FPU,
      // PSE, TSC, MSR, CX8, SEP (SYSENTER/SYSEXIT), PGE, CMOV; no VME, DE,
      // PAE, APIC, MMX, FXSR or SSE.
      constexpr uint32_t kFeatures = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 8) |
                                     (1u << 11) | (1u << 13) | (1u << 15);
      return {0x00000633, 0, 0, kFeatures};
    }
    case 2:  // the Pentium Pro's cache and TLB descriptors
      return {0x03020101, 0, 0, 0x0c040843};
    case 7: return {0, 1u << 1, 0, 0};
    case 0x15: return {1, kTscHz / kCrystalHz, kCrystalHz, 0};
    case 0x16: return {kTscMhz, kTscMhz, 0, 0};
    default: return {0, 0, 0, 0};
  }
}

const ir::HelperInfo kRaiseIfHelper{"raise_if", &raise_if, ir::Type::Void, 3, ir::kMayRaise};
const ir::HelperInfo kLoadSegmentHelper{
    "load_segment", &load_segment, ir::Type::Void, 3,
    kState | ir::kReadsMem | ir::kWritesMem | ir::kMayRaise | ir::kKeepsKey};
const ir::HelperInfo kLoadCodeSegmentHelper{
    "load_code_segment", &load_code_segment, ir::Type::Void, 2,
    kState | ir::kReadsMem | ir::kWritesMem | ir::kMayRaise};
const ir::HelperInfo kDescriptorQueryHelper{"descriptor_query", &descriptor_query, ir::Type::I64, 2,
                                            ir::kReadsState | ir::kReadsMem | ir::kMayRaise};
const ir::HelperInfo kCpuidHelper{"cpuid", &cpuid, ir::Type::Void, 0, kState};
// Writes EAX and EDX only (sched_clock on every tick: chainable).
const ir::HelperInfo kRdtscHelper{"rdtsc", &rdtsc, ir::Type::Void, 0, kState | ir::kKeepsKey};
const ir::HelperInfo kRclHelper{"rcl", &rcl, ir::Type::I64, 4, kPure};
const ir::HelperInfo kRcrHelper{"rcr", &rcr, ir::Type::I64, 4, kPure};
const ir::HelperInfo kDaaHelper{"daa", &daa, ir::Type::I64, 2, kPure};
const ir::HelperInfo kDasHelper{"das", &das, ir::Type::I64, 2, kPure};
const ir::HelperInfo kAaaHelper{"aaa", &aaa, ir::Type::I64, 2, kPure};
const ir::HelperInfo kAasHelper{"aas", &aas, ir::Type::I64, 2, kPure};
const ir::HelperInfo kAamHelper{"aam", &aam, ir::Type::I64, 3, ir::kMayRaise};
const ir::HelperInfo kAadHelper{"aad", &aad, ir::Type::I64, 3, kPure};

}  // namespace dynemu::x86
