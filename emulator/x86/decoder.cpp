#include "emulator/x86/decoder.h"

#include <array>

#include "emulator/core/bits.h"
#include "emulator/x86/cpu_state.h"

namespace dynemu::x86 {
namespace {

// Operand notation of the SDM's opcode maps (vol. 2, appendix A.2), plus a
// few forms the maps write in words: Ibs is an Ib sign-extended to the
// operand size, EwRv is "r/m16 or r16/r32" (MOV Ev,Sw; SLDT; STR; SMSW),
// Zb/Zv/Zd a register in the opcode's low 3 bits, One the implicit 1 of
// D0/D1, M16..Mstate x87 and system memory operands by size.
// clang-format off
enum Spec : uint8_t {
  __,
  Eb, Ew, Ev, EwRv, Gb, Gw, Gv,
  Ib, Ibs, Iw, Iz, Jb, Jz, Ap,
  M, Mp, Ma, Mq, Ms, M16, M32, M64, M80, Menv, Mstate, M512,
  Ob, Ov, Sw, Rd, Cd, Dd,
  Xb, Xv, Yb, Yv,
  AL, CL, DX, eAX, One, Zb, Zv, Zd,
  ES, CS, SS, DS, FS, GS,
  ST0, STi,
};
// clang-format on

enum Attr : uint8_t {
  kLock = 1u << 0,          // LOCK allowed with a memory destination
  kRep = 1u << 1,           // string instruction: F2/F3 are REP prefixes
  kForceReg = 1u << 2,      // MOV CR/DR: ModRM.mod is ignored, always a register
  kNoSimdPrefix = 1u << 3,  // 66/F2/F3 select SSE-era forms: invalid here
};

struct Entry {
  Op op = Op::Invalid;
  Spec spec[3] = {__, __, __};
  uint8_t attrs = 0;
};

constexpr bool memory_only(Spec s) {
  switch (s) {
    case M:
    case Mp:
    case Ma:
    case Mq:
    case Ms:
    case M16:
    case M32:
    case M64:
    case M80:
    case Menv:
    case Mstate:
    case M512: return true;
    default: return false;
  }
}

constexpr bool uses_modrm(Spec s) {
  if (memory_only(s)) return true;
  switch (s) {
    case Eb:
    case Ew:
    case Ev:
    case EwRv:
    case Gb:
    case Gw:
    case Gv:
    case Sw:
    case Rd:
    case Cd:
    case Dd: return true;
    default: return false;
  }
}

struct Tables {
  Entry map[2][256][8];  // [one-byte / 0F][opcode][ModRM.reg]
  bool modrm[2][256] = {};
  Entry x87_mem[8][8];   // [opcode - D8][ModRM.reg]
  Entry x87_reg[8][64];  // [opcode - D8][ModRM & 0x3f]
};

constexpr Tables build_tables() {
  Tables t{};
  auto row = [&t](int map, int opc, int ext, Op op, Spec a, Spec b, Spec c, uint8_t attrs) {
    const Entry e{op, {a, b, c}, attrs};
    for (int reg = 0; reg < 8; ++reg)
      if (ext < 0 || ext == reg) t.map[map][opc][reg] = e;
    if (ext >= 0 || uses_modrm(a) || uses_modrm(b) || uses_modrm(c)) t.modrm[map][opc] = true;
  };
#define REG8_ROWS(base, Name, A, B) \
  for (int i = 0; i < 8; ++i) ROW(base + i, -1, Name, A, B, __, 0)
#define CC_ROWS(base, Name, A) \
  for (int i = 0; i < 16; ++i) ROW(base + i, -1, Name, A, __, __, 0)
#define CC_ROWS_2(base, Name, A, B) \
  for (int i = 0; i < 16; ++i) ROW(base + i, -1, Name, A, B, __, 0)
#define ROW(opc, ext, Name, A, B, C, attrs) row(0, opc, ext, Op::Name, A, B, C, attrs);
#include "emulator/x86/decode_onebyte.inc"
#undef ROW
#define ROW(opc, ext, Name, A, B, C, attrs) row(1, opc, ext, Op::Name, A, B, C, attrs);
#include "emulator/x86/decode_0f.inc"
#undef ROW
#undef REG8_ROWS
#undef CC_ROWS
#undef CC_ROWS_2
#define X87_OP(...)
#define X87_MEM(opc, reg, Name, S) t.x87_mem[(opc)-0xd8][reg] = Entry{Op::Name, {S, __, __}, 0};
#define X87_REG(opc, reg, Name, A, B) \
  for (int i = 0; i < 8; ++i) t.x87_reg[(opc)-0xd8][(reg)*8 + i] = Entry{Op::Name, {A, B, __}, 0};
#define X87_ONE(opc, modrm, Name) t.x87_reg[(opc)-0xd8][(modrm)&0x3f] = Entry{Op::Name, {}, 0};
#include "emulator/x86/decode_x87.inc"
#undef X87_OP
#undef X87_MEM
#undef X87_REG
#undef X87_ONE
  return t;
}

constexpr Tables kTables = build_tables();

// Reads instruction bytes, remembering the first reason decoding must stop.
class Reader {
 public:
  Reader(const uint8_t* bytes, size_t avail) : m_bytes(bytes), m_avail(avail) {}

  uint32_t get(unsigned n) {
    if (m_status != DecodeStatus::Ok) return 0;
    if (m_pos + n > 15) {
      m_status = DecodeStatus::TooLong;
      return 0;
    }
    if (m_pos + n > m_avail) {
      m_status = DecodeStatus::NeedMore;
      return 0;
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= uint32_t{m_bytes[m_pos + i]} << (8 * i);
    m_pos += n;
    return v;
  }
  DecodeStatus status() const { return m_status; }
  unsigned pos() const { return static_cast<unsigned>(m_pos); }

 private:
  const uint8_t* m_bytes;
  size_t m_avail;
  size_t m_pos = 0;
  DecodeStatus m_status = DecodeStatus::Ok;
};

// ModRM memory operand, 16-bit forms (SDM vol. 2, table 2-1).
void decode_mem16(Reader& r, uint8_t modrm, MemRef& mem) {
  static constexpr int8_t kBase[8] = {kEbx, kEbx, kEbp, kEbp, kEsi, kEdi, kEbp, kEbx};
  static constexpr int8_t kIndex[8] = {kEsi, kEdi, kEsi, kEdi, -1, -1, -1, -1};
  const unsigned mod = modrm >> 6, rm = modrm & 7;
  if (mod == 0 && rm == 6) {
    mem.disp = r.get(2);
    return;
  }
  mem.base = kBase[rm];
  mem.index = kIndex[rm];
  if (mod == 1) mem.disp = sign_extend(r.get(1), 8);
  if (mod == 2) mem.disp = sign_extend(r.get(2), 16);
  if (mem.base == kEbp) mem.seg = kSs;
}

// ModRM/SIB memory operand, 32-bit forms (SDM vol. 2, tables 2-2 and 2-3).
void decode_mem32(Reader& r, uint8_t modrm, MemRef& mem) {
  const unsigned mod = modrm >> 6, rm = modrm & 7;
  if (rm == 4) {
    const uint8_t sib = static_cast<uint8_t>(r.get(1));
    const unsigned base = sib & 7, index = (sib >> 3) & 7;
    if (index != 4) {
      mem.index = static_cast<int8_t>(index);
      mem.scale = sib >> 6;
    }
    if (base == 5 && mod == 0) {
      mem.disp = r.get(4);
    } else {
      mem.base = static_cast<int8_t>(base);
    }
  } else if (rm == 5 && mod == 0) {
    mem.disp = r.get(4);
    return;
  } else {
    mem.base = static_cast<int8_t>(rm);
  }
  if (mod == 1) mem.disp = sign_extend(r.get(1), 8);
  if (mod == 2) mem.disp = r.get(4);
  if (mem.base == kEsp || mem.base == kEbp) mem.seg = kSs;
}

uint8_t mem_size(Spec s, unsigned opsize) {
  switch (s) {
    case M: return 0;
    case Mp: return static_cast<uint8_t>(opsize + 2);
    case Ma: return static_cast<uint8_t>(opsize * 2);
    case Mq:
    case M64: return 8;
    case Ms: return 6;
    case M16: return 2;
    case M32: return 4;
    case M80: return 10;
    case Menv: return opsize == 4 ? 28 : 14;
    case Mstate: return opsize == 4 ? 108 : 94;
    default: return 0;  // M512: 512 bytes do not fit; translate_x87 knows
  }
}

}  // namespace

DecodeStatus decode(const uint8_t* bytes, size_t avail, uint32_t eip, CodeSize code_size,
                    Insn& out) {
  Insn insn;
  insn.eip = eip;
  Reader r(bytes, avail);
  int seg_override = -1;
  bool opsize_prefix = false, addrsize_prefix = false;

  // Legacy prefixes, any order, repeats allowed; the last segment override
  // and the last of F2/F3 win.
  uint8_t b;
  for (;;) {
    b = static_cast<uint8_t>(r.get(1));
    if (r.status() != DecodeStatus::Ok) return r.status();
    switch (b) {
      case 0x26: seg_override = kEs; continue;
      case 0x2e: seg_override = kCs; continue;
      case 0x36: seg_override = kSs; continue;
      case 0x3e: seg_override = kDs; continue;
      case 0x64: seg_override = kFs; continue;
      case 0x65: seg_override = kGs; continue;
      case 0x66: opsize_prefix = true; continue;
      case 0x67: addrsize_prefix = true; continue;
      case 0xf0: insn.prefixes |= kPrefixLock; continue;
      case 0xf2: insn.prefixes = (insn.prefixes & ~kPrefixRep) | kPrefixRepne; continue;
      case 0xf3: insn.prefixes = (insn.prefixes & ~kPrefixRepne) | kPrefixRep; continue;
      default: break;
    }
    break;
  }
  const bool code32 = code_size == CodeSize::Bits32;
  insn.opsize = (code32 != opsize_prefix) ? 4 : 2;
  insn.addrsize = (code32 != addrsize_prefix) ? 4 : 2;
  if (opsize_prefix) insn.prefixes |= kPrefixOpSize;
  if (addrsize_prefix) insn.prefixes |= kPrefixAddrSize;
  if (seg_override >= 0) insn.prefixes |= kPrefixSeg;

  unsigned map = 0;
  unsigned opc = b;
  if (b == 0x0f) {
    map = 1;
    opc = r.get(1);
  }
  insn.opcode = static_cast<uint16_t>(map ? 0x0f00 | opc : opc);
  const bool x87 = map == 0 && opc >= 0xd8 && opc <= 0xdf;

  Entry entry;
  bool has_modrm = x87 || kTables.modrm[map][opc];
  uint8_t modrm = 0;
  if (has_modrm) modrm = static_cast<uint8_t>(r.get(1));
  if (r.status() != DecodeStatus::Ok) return r.status();
  const unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
  if (x87) {
    entry = mod == 3 ? kTables.x87_reg[opc - 0xd8][modrm & 0x3f] : kTables.x87_mem[opc - 0xd8][reg];
  } else {
    entry = kTables.map[map][opc][has_modrm ? reg : 0];
  }
  if (entry.op == Op::Invalid) return DecodeStatus::Invalid;
  insn.op = entry.op;
  insn.modrm = modrm;
  if (map == 0 && opc == 0x90 && insn.has(kPrefixRep)) insn.op = Op::Pause;
  if ((map == 0 && opc >= 0x70 && opc <= 0x7f) || (map == 1 && opc >= 0x40 && opc <= 0x9f))
    insn.cond = opc & 0xf;

  const bool reg_form = mod == 3 || (entry.attrs & kForceReg);
  bool has_mem = false;
  for (Spec s : entry.spec) {
    if (memory_only(s) && reg_form) return DecodeStatus::Invalid;
    if (uses_modrm(s) && s != Gb && s != Gw && s != Gv && s != Sw && s != Cd && s != Dd &&
        !reg_form)
      has_mem = true;
  }
  if (has_mem) {
    if (insn.addrsize == 2)
      decode_mem16(r, modrm, insn.mem);
    else
      decode_mem32(r, modrm, insn.mem);
  }
  if (seg_override >= 0) insn.mem.seg = static_cast<uint8_t>(seg_override);

  // Operands; immediates follow the displacement in operand order.
  const unsigned osz = insn.opsize;
  bool rel_pending[3] = {};
  for (unsigned i = 0; i < 3 && entry.spec[i] != __; ++i) {
    Operand& o = insn.operands[i];
    const Spec s = entry.spec[i];
    auto set_reg = [&o](unsigned num, unsigned size) {
      o.kind = OperandKind::Reg;
      o.reg = static_cast<uint8_t>(num);
      o.size = static_cast<uint8_t>(size);
    };
    auto set_imm = [&o](uint32_t v, unsigned size) {
      o.kind = OperandKind::Imm;
      o.value = v;
      o.size = static_cast<uint8_t>(size);
    };
    auto set_mem = [&o](unsigned size) {
      o.kind = OperandKind::Mem;
      o.size = static_cast<uint8_t>(size);
    };
    switch (s) {
      case Eb: reg_form ? set_reg(rm, 1) : set_mem(1); break;
      case Ew: reg_form ? set_reg(rm, 2) : set_mem(2); break;
      case Ev: reg_form ? set_reg(rm, osz) : set_mem(osz); break;
      case EwRv: reg_form ? set_reg(rm, osz) : set_mem(2); break;
      case Gb: set_reg(reg, 1); break;
      case Gw: set_reg(reg, 2); break;
      case Gv: set_reg(reg, osz); break;
      case Rd: set_reg(rm, 4); break;
      case Zb: set_reg(opc & 7, 1); break;
      case Zv: set_reg(opc & 7, osz); break;
      case Zd: set_reg(opc & 7, 4); break;
      case AL: set_reg(kEax, 1); break;
      case CL: set_reg(kEcx, 1); break;
      case DX: set_reg(kEdx, 2); break;
      case eAX: set_reg(kEax, osz); break;
      case M:
      case Mp:
      case Ma:
      case Mq:
      case Ms:
      case M16:
      case M32:
      case M64:
      case M80:
      case Menv:
      case Mstate:
      case M512: set_mem(mem_size(s, osz)); break;
      case Ib: set_imm(r.get(1), 1); break;
      case Ibs: set_imm(sign_extend(r.get(1), 8) & size_mask(osz), osz); break;
      case Iw: set_imm(r.get(2), 2); break;
      case Iz: set_imm(r.get(osz), osz); break;
      case One: set_imm(1, 1); break;
      case Jb:
        set_imm(sign_extend(r.get(1), 8), osz);
        rel_pending[i] = true;
        break;
      case Jz:
        set_imm(sign_extend(r.get(osz), osz * 8), osz);
        rel_pending[i] = true;
        break;
      case Ap:
        o.kind = OperandKind::Far;
        o.size = static_cast<uint8_t>(osz + 2);
        o.value = r.get(osz);
        o.sel = static_cast<uint16_t>(r.get(2));
        break;
      case Ob:
      case Ov:
        o.kind = OperandKind::Mem;
        o.size = static_cast<uint8_t>(s == Ob ? 1 : osz);
        insn.mem.disp = r.get(insn.addrsize);
        break;
      case Sw:
        if (reg > kGs) return DecodeStatus::Invalid;
        o.kind = OperandKind::Seg;
        o.reg = static_cast<uint8_t>(reg);
        o.size = 2;
        break;
      case ES:
      case CS:
      case SS:
      case DS:
      case FS:
      case GS:
        o.kind = OperandKind::Seg;
        o.reg = static_cast<uint8_t>(s - ES);
        o.size = 2;
        break;
      case Cd:
        if (reg == 1 || reg > 4) return DecodeStatus::Invalid;
        o.kind = OperandKind::Cr;
        o.reg = static_cast<uint8_t>(reg);
        o.size = 4;
        break;
      case Dd:
        o.kind = OperandKind::Dr;
        o.reg = static_cast<uint8_t>(reg);
        o.size = 4;
        break;
      case Xb:
      case Xv:
        o.kind = OperandKind::StrSrc;
        o.reg = kEsi;
        o.size = static_cast<uint8_t>(s == Xb ? 1 : osz);
        break;
      case Yb:
      case Yv:
        o.kind = OperandKind::StrDst;
        o.reg = kEdi;
        o.size = static_cast<uint8_t>(s == Yb ? 1 : osz);
        break;
      case ST0:
        o.kind = OperandKind::St;
        o.reg = 0;
        o.size = 10;
        break;
      case STi:
        o.kind = OperandKind::St;
        o.reg = static_cast<uint8_t>(rm);
        o.size = 10;
        break;
      case __: break;
    }
    insn.num_operands = static_cast<uint8_t>(i + 1);
  }
  if (r.status() != DecodeStatus::Ok) return r.status();
  insn.length = static_cast<uint8_t>(r.pos());
  for (unsigned i = 0; i < 3; ++i) {
    if (!rel_pending[i]) continue;
    Operand& o = insn.operands[i];
    o.kind = OperandKind::Rel;
    o.value = (insn.next_eip() + o.value) & size_mask(osz);
  }

  if ((entry.attrs & kNoSimdPrefix) &&
      (opsize_prefix || (insn.prefixes & (kPrefixRep | kPrefixRepne))))
    return DecodeStatus::Invalid;
  if (insn.op == Op::MovToSeg && insn.operands[0].reg == kCs) return DecodeStatus::Invalid;
  if (insn.has(kPrefixLock)) {
    const bool lockable =
        (entry.attrs & kLock) && insn.num_operands > 0 && insn.operands[0].kind == OperandKind::Mem;
    if (!lockable) return DecodeStatus::Invalid;
  }
  out = insn;
  return DecodeStatus::Ok;
}

// clang-format off
const char* op_mnemonic(Op op) {
  switch (op) {
#define OP(name, mnemonic) case Op::name: return mnemonic;
#define X87_OP(name, mnemonic) case Op::name: return mnemonic;
#define X87_MEM(...)
#define X87_REG(...)
#define X87_ONE(...)
#include "emulator/x86/ops.inc"
#include "emulator/x86/decode_x87.inc"
#undef OP
#undef X87_OP
#undef X87_MEM
#undef X87_REG
#undef X87_ONE
    default: return "(bad)";
  }
}
// clang-format on

}  // namespace dynemu::x86
