// The decoder against Zydis: for every encoding we accept, Zydis must agree
// on the length and the mnemonic. Encodings are generated: every opcode of
// both maps x every ModRM x a set of prefix combinations, plus random bytes.
#include <Zydis/Zydis.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "emulator/core/bits.h"
#include "emulator/x86/decoder.h"
#include "emulator/x86/disasm.h"

namespace dynemu::x86 {
namespace {

class ZydisOracle {
 public:
  ZydisOracle() {
    ZydisDecoderInit(&m_decoder, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
  }
  // Returns false if Zydis rejects the bytes.
  bool decode(const uint8_t* bytes, size_t len, unsigned& length, std::string& mnemonic) const {
    ZydisDecodedInstruction insn;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&m_decoder, nullptr, bytes, len, &insn)))
      return false;
    length = insn.length;
    mnemonic = ZydisMnemonicGetString(insn.mnemonic);
    return true;
  }

 private:
  ZydisDecoder m_decoder;
};

// Where our name and Zydis' differ only in spelling.
std::string normalize(std::string m) {
  if (m == "retf") return "ret";
  if (m == "sal") return "shl";
  return m;
}

// On a P6 these are hintable NOPs (0F 19-1E) and BSF/BSR under F3 (the F3 is
// ignored); later CPUs gave them meanings (ENDBR, MPX, TZCNT/LZCNT) that
// Zydis reports.
bool later_meaning(const Insn& insn) {
  return (insn.opcode >= 0x0f19 && insn.opcode <= 0x0f1e) ||
         ((insn.opcode == 0x0fbc || insn.opcode == 0x0fbd) && insn.has(kPrefixRep));
}

struct Stats {
  unsigned accepted = 0;
  unsigned rejected = 0;
  unsigned mismatches = 0;
  std::map<std::string, unsigned> zydis_only;  // Zydis accepts, we do not
};

void check(const ZydisOracle& z, const uint8_t* bytes, size_t len, Stats& st) {
  Insn insn;
  const DecodeStatus status = decode(bytes, len, 0x1000, CodeSize::Bits32, insn);
  unsigned zlen = 0;
  std::string zmn;
  const bool zok = z.decode(bytes, len, zlen, zmn);
  if (status != DecodeStatus::Ok) {
    ++st.rejected;
    if (zok) ++st.zydis_only[zmn];
    return;
  }
  ++st.accepted;
  if (later_meaning(insn)) {
    if (zok) {
      EXPECT_EQ(insn.length, zlen);
    }
    return;
  }
  std::string hex;
  for (unsigned i = 0; i < std::max<unsigned>(insn.length, 1); ++i) {
    char b[4];
    std::snprintf(b, sizeof b, "%02x ", bytes[i]);
    hex += b;
  }
  if (!zok) {
    if (++st.mismatches < 40) ADD_FAILURE() << "Zydis rejects " << hex << "= " << disassemble(insn);
    return;
  }
  if (insn.length != zlen || normalize(mnemonic(insn)) != zmn) {
    if (++st.mismatches < 40)
      ADD_FAILURE() << hex << ": ours " << mnemonic(insn) << " len " << unsigned{insn.length}
                    << ", Zydis " << zmn << " len " << zlen;
  }
}

void report(const Stats& st) {
  std::vector<std::pair<unsigned, std::string>> v;
  for (auto& [m, n] : st.zydis_only) v.push_back({n, m});
  std::sort(v.rbegin(), v.rend());
  std::string s;
  for (auto& [n, m] : v) s += m + " ";
  std::printf("accepted %u, rejected %u; Zydis-only mnemonics: %s\n", st.accepted, st.rejected,
              s.c_str());
}

TEST(X86Decoder, AgreesWithZydisOnAllOpcodesModrmAndPrefixes) {
  ZydisOracle z;
  Stats st;
  const std::vector<std::vector<uint8_t>> prefix_sets = {
      {},     {0x66}, {0x67}, {0x66, 0x67}, {0xf3},       {0xf2},
      {0xf0}, {0x2e}, {0x64}, {0x65, 0x66}, {0xf0, 0x66}, {0xf3, 0x67}};
  const uint8_t tail[] = {0x24, 0x85, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  for (const auto& prefixes : prefix_sets) {
    for (unsigned map = 0; map < 2; ++map) {
      for (unsigned opc = 0; opc < 256; ++opc) {
        for (unsigned modrm = 0; modrm < 256; ++modrm) {
          std::vector<uint8_t> bytes = prefixes;
          if (map) bytes.push_back(0x0f);
          bytes.push_back(static_cast<uint8_t>(opc));
          bytes.push_back(static_cast<uint8_t>(modrm));
          bytes.insert(bytes.end(), std::begin(tail), std::end(tail));
          bytes.resize(20, 0x90);
          check(z, bytes.data(), 15, st);
        }
      }
    }
  }
  report(st);
  EXPECT_EQ(st.mismatches, 0u);
  EXPECT_GT(st.accepted, 200000u);
}

TEST(X86Decoder, AgreesWithZydisOnRandomBytes) {
  ZydisOracle z;
  Stats st;
  std::mt19937 rng(12345);
  uint8_t bytes[16];
  for (unsigned n = 0; n < 400000; ++n) {
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    // Bias towards prefixes and the 0F map, where the edge cases are.
    if (n % 3 == 0) bytes[0] = 0x0f;
    if (n % 5 == 0) std::memmove(bytes + 1, bytes, 15), bytes[0] = 0x66;
    check(z, bytes, 15, st);
  }
  report(st);
  EXPECT_EQ(st.mismatches, 0u);
}

// --- operands: every explicit Zydis operand against ours

std::string our_reg_name(const Operand& o) {
  static const char* const k8[] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
  static const char* const k16[] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
  static const char* const k32[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
  static const char* const kSegs[] = {"es", "cs", "ss", "ds", "fs", "gs"};
  switch (o.kind) {
    case OperandKind::Reg: return o.size == 1 ? k8[o.reg] : o.size == 2 ? k16[o.reg] : k32[o.reg];
    case OperandKind::Seg: return kSegs[o.reg];
    case OperandKind::Cr: return "cr" + std::to_string(o.reg);
    case OperandKind::Dr: return "dr" + std::to_string(o.reg);
    case OperandKind::St: return "st" + std::to_string(o.reg);
    default: return "?";
  }
}

std::string zreg(ZydisRegister r) {
  const char* n = ZydisRegisterGetString(r);
  return n ? n : "none";
}

std::string gpr_name(int reg, unsigned addrsize) {
  if (reg < 0) return "none";
  Operand o;
  o.kind = OperandKind::Reg;
  o.reg = static_cast<uint8_t>(reg);
  o.size = static_cast<uint8_t>(addrsize);
  return our_reg_name(o);
}

// Empty if operand `ours` matches Zydis operand `z`, else what differs.
std::string compare_operand(const Insn& insn, const Operand& ours,
                            const ZydisDecodedInstruction& zi, const ZydisDecodedOperand& z) {
  switch (ours.kind) {
    case OperandKind::Reg:
    case OperandKind::Seg:
    case OperandKind::Cr:
    case OperandKind::Dr:
    case OperandKind::St:
      if (z.type != ZYDIS_OPERAND_TYPE_REGISTER) return "expected a register";
      if (zreg(z.reg.value) != our_reg_name(ours))
        return "register " + our_reg_name(ours) + " vs " + zreg(z.reg.value);
      return "";
    case OperandKind::Mem: {
      if (z.type != ZYDIS_OPERAND_TYPE_MEMORY) return "expected memory";
      const MemRef& m = insn.mem;
      const std::string seg = std::string("es\0cs\0ss\0ds\0fs\0gs" + 3 * m.seg);
      // LEA ignores the segment; Zydis reports DS for it.
      if (insn.op != Op::Lea && zreg(z.mem.segment) != seg)
        return "segment " + seg + " vs " + zreg(z.mem.segment);
      if (zreg(z.mem.base) != gpr_name(m.base, insn.addrsize)) return "base";
      if (zreg(z.mem.index) != gpr_name(m.index, insn.addrsize)) return "index";
      if (m.index >= 0 && z.mem.scale != (1u << m.scale)) return "scale";
      const uint32_t mask = insn.addrsize == 2 ? 0xffff : 0xffffffff;
      if ((static_cast<uint32_t>(z.mem.disp.value) & mask) != (m.disp & mask))
        return "displacement";
      if (ours.size && z.size != ours.size * 8u && ours.size <= 10) return "memory size";
      return "";
    }
    case OperandKind::Imm:
      if (z.type != ZYDIS_OPERAND_TYPE_IMMEDIATE) return "expected an immediate";
      if ((static_cast<uint32_t>(z.imm.value.u) & size_mask(ours.size)) != ours.value)
        return "immediate value";
      return "";
    case OperandKind::Rel: {
      if (z.type != ZYDIS_OPERAND_TYPE_IMMEDIATE || !z.imm.is_relative) return "expected relative";
      ZyanU64 target = 0;
      ZydisCalcAbsoluteAddress(&zi, &z, insn.eip, &target);
      if ((static_cast<uint32_t>(target) & size_mask(insn.opsize)) != ours.value) return "target";
      return "";
    }
    case OperandKind::Far:
      if (z.type != ZYDIS_OPERAND_TYPE_POINTER) return "expected a pointer";
      if (z.ptr.segment != ours.sel || z.ptr.offset != ours.value) return "pointer";
      return "";
    default: return "";
  }
}

void check_operands(CodeSize code_size) {
  ZydisDecoder dec;
  if (code_size == CodeSize::Bits32)
    ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
  else
    ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
  const std::vector<std::vector<uint8_t>> prefix_sets = {{}, {0x66}, {0x67}, {0x64}, {0x26, 0x66}};
  const uint8_t tail[] = {0x24, 0x85, 0x11, 0xf2, 0x33, 0x84, 0x55, 0x66, 0x77, 0x88};
  unsigned compared = 0, mismatches = 0;
  for (const auto& prefixes : prefix_sets) {
    for (unsigned map = 0; map < 2; ++map) {
      for (unsigned opc = 0; opc < 256; ++opc) {
        for (unsigned modrm = 0; modrm < 256; ++modrm) {
          std::vector<uint8_t> bytes = prefixes;
          if (map) bytes.push_back(0x0f);
          bytes.push_back(static_cast<uint8_t>(opc));
          bytes.push_back(static_cast<uint8_t>(modrm));
          bytes.insert(bytes.end(), std::begin(tail), std::end(tail));
          bytes.resize(20, 0x90);
          Insn insn;
          if (decode(bytes.data(), 15, 0x1000, code_size, insn) != DecodeStatus::Ok) continue;
          // Zydis lists string operands as hidden and gives NOP r/m a second
          // (ignored) register operand.
          if (later_meaning(insn) || is_x87(insn.op) || insn.op == Op::Nop) continue;
          if (insn.op == Op::Movs || insn.op == Op::Cmps || insn.op == Op::Stos ||
              insn.op == Op::Lods || insn.op == Op::Scas || insn.op == Op::Ins ||
              insn.op == Op::Outs)
            continue;
          ZydisDecodedInstruction zi;
          ZydisDecodedOperand zops[ZYDIS_MAX_OPERAND_COUNT];
          if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, bytes.data(), 15, &zi, zops))) continue;
          std::vector<const ZydisDecodedOperand*> explicit_ops;
          for (unsigned i = 0; i < zi.operand_count_visible; ++i)
            if (zops[i].visibility != ZYDIS_OPERAND_VISIBILITY_HIDDEN)
              explicit_ops.push_back(&zops[i]);
          std::vector<const Operand*> ours;
          for (unsigned i = 0; i < insn.num_operands; ++i)
            if (insn.operands[i].kind != OperandKind::StrSrc &&
                insn.operands[i].kind != OperandKind::StrDst)
              ours.push_back(&insn.operands[i]);
          ++compared;
          std::string why;
          if (ours.size() != explicit_ops.size()) {
            why = "operand count " + std::to_string(ours.size()) + " vs " +
                  std::to_string(explicit_ops.size());
          } else {
            for (size_t i = 0; i < ours.size() && why.empty(); ++i) {
              why = compare_operand(insn, *ours[i], zi, *explicit_ops[i]);
              if (!why.empty()) why = "operand " + std::to_string(i) + ": " + why;
            }
          }
          if (!why.empty() && ++mismatches <= 30) {
            std::string hex;
            for (unsigned i = 0; i < insn.length; ++i) {
              char b[4];
              std::snprintf(b, sizeof b, "%02x ", bytes[i]);
              hex += b;
            }
            ADD_FAILURE() << hex << "(" << disassemble(insn) << "): " << why;
          }
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(compared, 100000u);
}

TEST(X86Decoder, OperandsAgreeWithZydis) {
  check_operands(CodeSize::Bits32);
}
TEST(X86Decoder, OperandsAgreeWithZydisIn16BitCode) {
  check_operands(CodeSize::Bits16);
}

TEST(X86Decoder, SixteenBitCodeSegment) {
  ZydisDecoder dec;
  ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
  std::mt19937 rng(777);
  uint8_t bytes[16];
  unsigned accepted = 0;
  for (unsigned n = 0; n < 200000; ++n) {
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    Insn insn;
    if (decode(bytes, 15, 0, CodeSize::Bits16, insn) != DecodeStatus::Ok) continue;
    if (later_meaning(insn)) continue;
    ++accepted;
    ZydisDecodedInstruction zi;
    ASSERT_TRUE(ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec, nullptr, bytes, 15, &zi)))
        << disassemble(insn);
    ASSERT_EQ(insn.length, zi.length) << disassemble(insn);
    ASSERT_EQ(normalize(mnemonic(insn)), ZydisMnemonicGetString(zi.mnemonic));
  }
  EXPECT_GT(accepted, 50000u);
}

TEST(X86Decoder, StatusForTruncatedAndOverlongInput) {
  Insn insn;
  const uint8_t mov_imm[] = {0xb8, 0x01, 0x02, 0x03, 0x04};
  EXPECT_EQ(decode(mov_imm, 3, 0, CodeSize::Bits32, insn), DecodeStatus::NeedMore);
  EXPECT_EQ(decode(mov_imm, 5, 0, CodeSize::Bits32, insn), DecodeStatus::Ok);
  EXPECT_EQ(insn.length, 5);
  uint8_t many_prefixes[16];
  std::memset(many_prefixes, 0x66, sizeof many_prefixes);
  many_prefixes[14] = 0x90;
  EXPECT_EQ(decode(many_prefixes, 16, 0, CodeSize::Bits32, insn), DecodeStatus::Ok);
  many_prefixes[14] = 0x66;
  many_prefixes[15] = 0x90;
  EXPECT_EQ(decode(many_prefixes, 16, 0, CodeSize::Bits32, insn), DecodeStatus::TooLong);
  const uint8_t lock_reg[] = {0xf0, 0x01, 0xc0};  // lock add eax, eax
  EXPECT_EQ(decode(lock_reg, 3, 0, CodeSize::Bits32, insn), DecodeStatus::Invalid);
  const uint8_t sse[] = {0x0f, 0x28, 0xc1};  // movaps xmm0, xmm1
  EXPECT_EQ(decode(sse, 3, 0, CodeSize::Bits32, insn), DecodeStatus::Invalid);
  const uint8_t mmx[] = {0x0f, 0x6f, 0xc1};  // movq mm0, mm1
  EXPECT_EQ(decode(mmx, 3, 0, CodeSize::Bits32, insn), DecodeStatus::Invalid);
}

}  // namespace
}  // namespace dynemu::x86
