#include "tests/unit/x86_native/sequence_generator.h"

#include <algorithm>
#include <random>

#include "emulator/x86/cpu_state.h"
#include "tests/unit/x86_native/assembler.h"
#include "tests/unit/x86_native/layout.h"

namespace dynemu::x86::native {
namespace {

using Label = Assembler::Label;

constexpr uint8_t kEaxBit = 1 << 0, kEcxBit = 1 << 1, kEdxBit = 1 << 2;
constexpr uint8_t kGprs[] = {0, 1, 2, 3, 5, 6, 7};  // never ESP as a random operand

// Random accesses stay in the first page of the data area, with room for
// an 8-byte access (CMPXCHG8B).
constexpr uint32_t kScratch = 0x1000 - 8;

enum class Imm : uint8_t { None, B, Z, NonZeroB };
enum : uint8_t {
  kByte = 0,  // operand size of the ModRM operands
  kVar = 1,   // 16 (0x66) or 32 bits
};
enum : uint8_t {
  kWritesRm = 1,
  kWritesReg = 2,
};
enum : uint8_t {
  kRegOk = 1,       // register form allowed
  kMemOk = 2,       // memory form allowed
  kFlags = 4,       // sets arithmetic flags (a condition for a following Jcc)
  kCc = 8,          // the opcode takes a random condition in its low nibble
  kBitOffset = 16,  // memory form: the reg operand is a bit offset (bounded first)
  kNo16 = 32,       // no 0x66 form
  kRmByte = 64,     // the r/m operand is a byte (MOVZX/MOVSX r, r/m8)
  kRmWord = 128,    // the r/m operand is a word (MOVZX/MOVSX r, r/m16)
};
constexpr uint8_t kBoth = kRegOk | kMemOk;

struct Form {
  uint16_t op;  // 0x0fXX for two-byte opcodes
  int8_t ext;   // ModRM.reg for group opcodes, -1 for a register operand
  uint8_t size;
  Imm imm;
  uint8_t writes;
  uint8_t implicit;  // registers written besides the operands
  uint8_t attrs;
};

// clang-format off
constexpr Form kForms[] = {
#define ALU(b, w)                                                          \
  {b, -1, kByte, Imm::None, w, 0, kBoth | kFlags},                         \
  {b + 1, -1, kVar, Imm::None, w, 0, kBoth | kFlags},                      \
  {b + 2, -1, kByte, Imm::None, (w) ? kWritesReg : 0, 0, kBoth | kFlags},  \
  {b + 3, -1, kVar, Imm::None, (w) ? kWritesReg : 0, 0, kBoth | kFlags},
  ALU(0x00, kWritesRm) ALU(0x08, kWritesRm) ALU(0x10, kWritesRm) ALU(0x18, kWritesRm)
  ALU(0x20, kWritesRm) ALU(0x28, kWritesRm) ALU(0x30, kWritesRm) ALU(0x38, 0)
#undef ALU
#define GRP1(e, w)                                           \
  {0x80, e, kByte, Imm::B, w, 0, kBoth | kFlags},            \
  {0x81, e, kVar, Imm::Z, w, 0, kBoth | kFlags},             \
  {0x83, e, kVar, Imm::B, w, 0, kBoth | kFlags},
  GRP1(0, kWritesRm) GRP1(1, kWritesRm) GRP1(2, kWritesRm) GRP1(3, kWritesRm)
  GRP1(4, kWritesRm) GRP1(5, kWritesRm) GRP1(6, kWritesRm) GRP1(7, 0)
#undef GRP1
#define SHIFT(e)                                                    \
  {0xc0, e, kByte, Imm::B, kWritesRm, 0, kBoth | kFlags},           \
  {0xc1, e, kVar, Imm::B, kWritesRm, 0, kBoth | kFlags},            \
  {0xd0, e, kByte, Imm::None, kWritesRm, 0, kBoth | kFlags},        \
  {0xd1, e, kVar, Imm::None, kWritesRm, 0, kBoth | kFlags},         \
  {0xd2, e, kByte, Imm::None, kWritesRm, 0, kBoth | kFlags},        \
  {0xd3, e, kVar, Imm::None, kWritesRm, 0, kBoth | kFlags},
  SHIFT(0) SHIFT(1) SHIFT(2) SHIFT(3) SHIFT(4) SHIFT(5) SHIFT(7)
#undef SHIFT
  {0x84, -1, kByte, Imm::None, 0, 0, kBoth | kFlags},
  {0x85, -1, kVar, Imm::None, 0, 0, kBoth | kFlags},
  {0x86, -1, kByte, Imm::None, kWritesRm | kWritesReg, 0, kBoth},
  {0x87, -1, kVar, Imm::None, kWritesRm | kWritesReg, 0, kBoth},
  {0x88, -1, kByte, Imm::None, kWritesRm, 0, kBoth},
  {0x89, -1, kVar, Imm::None, kWritesRm, 0, kBoth},
  {0x8a, -1, kByte, Imm::None, kWritesReg, 0, kBoth},
  {0x8b, -1, kVar, Imm::None, kWritesReg, 0, kBoth},
  {0xc6, 0, kByte, Imm::B, kWritesRm, 0, kBoth},
  {0xc7, 0, kVar, Imm::Z, kWritesRm, 0, kBoth},
  {0x69, -1, kVar, Imm::Z, kWritesReg, 0, kBoth | kFlags},
  {0x6b, -1, kVar, Imm::B, kWritesReg, 0, kBoth | kFlags},
  {0xf6, 0, kByte, Imm::B, 0, 0, kBoth | kFlags},
  {0xf7, 0, kVar, Imm::Z, 0, 0, kBoth | kFlags},
  {0xf6, 2, kByte, Imm::None, kWritesRm, 0, kBoth},
  {0xf7, 2, kVar, Imm::None, kWritesRm, 0, kBoth},
  {0xf6, 3, kByte, Imm::None, kWritesRm, 0, kBoth | kFlags},
  {0xf7, 3, kVar, Imm::None, kWritesRm, 0, kBoth | kFlags},
  {0xf6, 4, kByte, Imm::None, 0, kEaxBit, kBoth | kFlags},
  {0xf7, 4, kVar, Imm::None, 0, kEaxBit | kEdxBit, kBoth | kFlags},
  {0xf6, 5, kByte, Imm::None, 0, kEaxBit, kBoth | kFlags},
  {0xf7, 5, kVar, Imm::None, 0, kEaxBit | kEdxBit, kBoth | kFlags},
  {0xfe, 0, kByte, Imm::None, kWritesRm, 0, kBoth | kFlags},
  {0xfe, 1, kByte, Imm::None, kWritesRm, 0, kBoth | kFlags},
  {0xff, 0, kVar, Imm::None, kWritesRm, 0, kBoth | kFlags},
  {0xff, 1, kVar, Imm::None, kWritesRm, 0, kBoth | kFlags},
  {0x0f40, -1, kVar, Imm::None, kWritesReg, 0, kBoth | kCc},
  {0x0f90, 0, kByte, Imm::None, kWritesRm, 0, kBoth | kCc},
  {0x0fa3, -1, kVar, Imm::None, 0, 0, kBoth | kFlags | kBitOffset},
  {0x0fab, -1, kVar, Imm::None, kWritesRm, 0, kBoth | kFlags | kBitOffset},
  {0x0fb3, -1, kVar, Imm::None, kWritesRm, 0, kBoth | kFlags | kBitOffset},
  {0x0fbb, -1, kVar, Imm::None, kWritesRm, 0, kBoth | kFlags | kBitOffset},
  {0x0fba, 4, kVar, Imm::B, 0, 0, kBoth | kFlags},
  {0x0fba, 5, kVar, Imm::B, kWritesRm, 0, kBoth | kFlags},
  {0x0fba, 6, kVar, Imm::B, kWritesRm, 0, kBoth | kFlags},
  {0x0fba, 7, kVar, Imm::B, kWritesRm, 0, kBoth | kFlags},
  {0x0fa4, -1, kVar, Imm::B, kWritesRm, 0, kBoth | kFlags},
  {0x0fa5, -1, kVar, Imm::None, kWritesRm, 0, kBoth | kFlags},
  {0x0fac, -1, kVar, Imm::B, kWritesRm, 0, kBoth | kFlags},
  {0x0fad, -1, kVar, Imm::None, kWritesRm, 0, kBoth | kFlags},
  {0x0faf, -1, kVar, Imm::None, kWritesReg, 0, kBoth | kFlags},
  {0x0fb0, -1, kByte, Imm::None, kWritesRm, kEaxBit, kBoth | kFlags},
  {0x0fb1, -1, kVar, Imm::None, kWritesRm, kEaxBit, kBoth | kFlags},
  {0x0fc0, -1, kByte, Imm::None, kWritesRm | kWritesReg, 0, kBoth | kFlags},
  {0x0fc1, -1, kVar, Imm::None, kWritesRm | kWritesReg, 0, kBoth | kFlags},
  {0x0fb6, -1, kVar, Imm::None, kWritesReg, 0, kBoth | kRmByte},
  {0x0fbe, -1, kVar, Imm::None, kWritesReg, 0, kBoth | kRmByte},
  {0x0fb7, -1, kVar, Imm::None, kWritesReg, 0, kBoth | kRmWord},
  {0x0fbf, -1, kVar, Imm::None, kWritesReg, 0, kBoth | kRmWord},
  {0x0fbc, -1, kVar, Imm::None, kWritesReg, 0, kBoth | kFlags},
  {0x0fbd, -1, kVar, Imm::None, kWritesReg, 0, kBoth | kFlags},
  {0x0fc7, 1, kVar, Imm::None, 0, kEaxBit | kEdxBit, kMemOk | kFlags | kNo16},
};

// Instructions without a ModRM byte; `reg_in_op`: the low 3 bits name a
// register (written unless noted).
struct Plain {
  uint16_t op;
  Imm imm;
  uint8_t implicit;
  bool reg_in_op;
  bool byte_reg;  // the register in the opcode is a byte register
  bool no16;
};
constexpr Plain kPlain[] = {
  {0x04, Imm::B, kEaxBit, false, false, true}, {0x05, Imm::Z, kEaxBit, false, false, false},
  {0x0c, Imm::B, kEaxBit, false, false, true}, {0x15, Imm::Z, kEaxBit, false, false, false},
  {0x1c, Imm::B, kEaxBit, false, false, true}, {0x25, Imm::Z, kEaxBit, false, false, false},
  {0x2c, Imm::B, kEaxBit, false, false, true}, {0x35, Imm::Z, kEaxBit, false, false, false},
  {0x3c, Imm::B, 0, false, false, true}, {0x3d, Imm::Z, 0, false, false, false},
  {0xa8, Imm::B, 0, false, false, true}, {0xa9, Imm::Z, 0, false, false, false},
  {0x27, Imm::None, kEaxBit, false, false, true}, {0x2f, Imm::None, kEaxBit, false, false, true},
  {0x37, Imm::None, kEaxBit, false, false, true}, {0x3f, Imm::None, kEaxBit, false, false, true},
  {0xd4, Imm::NonZeroB, kEaxBit, false, false, true}, {0xd5, Imm::B, kEaxBit, false, false, true},
  {0xd6, Imm::None, kEaxBit, false, false, true},
  {0x98, Imm::None, kEaxBit, false, false, false}, {0x99, Imm::None, kEdxBit, false, false, false},
  {0x9e, Imm::None, 0, false, false, true}, {0x9f, Imm::None, kEaxBit, false, false, true},
  {0xf5, Imm::None, 0, false, false, true}, {0xf8, Imm::None, 0, false, false, true},
  {0xf9, Imm::None, 0, false, false, true},
  {0x40, Imm::None, 0, true, false, false}, {0x48, Imm::None, 0, true, false, false},
  {0x90, Imm::None, kEaxBit, true, false, false},
  {0xb0, Imm::B, 0, true, true, true}, {0xb8, Imm::Z, 0, true, false, false},
  {0x0fc8, Imm::None, 0, true, false, true},
};
// clang-format on

class SequenceGenerator {
 public:
  SequenceGenerator(uint32_t seed, bool branches) : m_rng(seed), m_branches(branches) {}

  Case generate() {
    Case c;
    for (;;) {
      reset();
      if (program()) break;
    }
    c.code = m_a.code();
    c.code_bytes = m_code_bytes;
    for (auto& r : c.regs) r = value();
    c.eflags = 0x202 | (pick(4) ? pick(0x1000) & 0x8d5 : 0) | (pick(4) == 0 ? kDF : 0);
    return c;
  }

 private:
  struct Sub {
    Label entry;
    bool ret4;  // ends with RET 4: the caller pushes an argument
  };
  struct Table {
    Label at;
    std::vector<Label> entries;
  };

  void reset() {
    m_a = Assembler();
    m_locked = 0;
    m_regions.clear();
    m_frame = 0;
    m_nest = 0;
    m_counters = 0;
    m_sub = -1;
    m_subs.clear();
    m_tables.clear();
  }

  // Main, subroutines, tables; false when the result does not fit (a
  // short jump out of reach or too much code): the caller draws again.
  bool program() {
    if (m_branches) {
      for (int i = 0; i < 3; ++i) m_subs.push_back({m_a.label(), pick(2) == 0});
      m_sub_table = m_a.label();
    }
    const Label end = m_a.label();
    const int n = m_branches ? 8 + static_cast<int>(pick(12)) : 16 + static_cast<int>(pick(24));
    body(n, false);
    m_a.byte(0xe9);
    m_a.rel32(end);
    for (size_t k = 0; k < m_subs.size(); ++k) {
      m_sub = static_cast<int>(k);
      m_a.bind(m_subs[k].entry);
      m_frame = m_regions.size();
      m_nest = 1;
      body(2 + static_cast<int>(pick(5)), false);
      if (m_subs[k].ret4)
        m_a.bytes({0xc2, 0x04, 0x00});
      else
        m_a.byte(0xc3);
    }
    m_code_bytes = static_cast<uint32_t>(m_a.size());
    while (m_a.size() % 4) m_a.byte(0xcc);
    if (m_branches) {
      m_a.bind(m_sub_table);
      for (const Sub& s : m_subs) m_a.abs32(s.entry);
    }
    for (const Table& t : m_tables) {
      m_a.bind(t.at);
      for (Label l : t.entries) m_a.abs32(l);
    }
    m_a.bind(end);
    return m_a.size() <= X86N_CODE_MAX - 16 && m_a.finish(X86N_CODE);
  }

  // --- registers -------------------------------------------------------
  bool writable(unsigned r) const { return r != 4 && !(m_locked >> r & 1); }
  unsigned dst32(uint8_t avoid = 0) {
    for (;;) {
      const unsigned r = kGprs[pick(7)];
      if (writable(r) && !(avoid >> r & 1)) return r;
    }
  }
  unsigned dst8(uint8_t avoid = 0) {
    for (;;) {
      const unsigned r = pick(8);
      if (writable(r & 3) && !(avoid >> (r & 3) & 1)) return r;
    }
  }
  unsigned src32() { return kGprs[pick(7)]; }
  void mov_imm(unsigned r, uint32_t v) {
    m_a.byte(static_cast<uint8_t>(0xb8 + r));
    m_a.d32(v);
  }

  // --- memory operands ---------------------------------------------------
  // Emits the instructions that set up the base and index registers (never
  // those in `avoid`) and returns the ModRM (reg field 0), SIB and
  // displacement bytes of an operand of `size` bytes inside the scratch
  // area (`extra` bytes of room after it). `pop`: the operand of POP m,
  // whose ESP-relative address is taken after the pop.
  std::vector<uint8_t> mem_operand(uint8_t avoid, unsigned size, unsigned extra = 0,
                                   bool pop = false) {
    const uint32_t room = kScratch - extra;
    const uint32_t target = X86N_DATA + pick(room);
    std::vector<uint8_t> t;
    auto d32 = [&t](uint32_t v) {
      for (int i = 0; i < 4; ++i) t.push_back(static_cast<uint8_t>(v >> (8 * i)));
    };
    const int stack = 4 * (visible_depth() - (pop ? 1 : 0)) - static_cast<int>(size);
    switch (pick(9)) {
      case 0: t.push_back(0x05), d32(target); break;  // [disp32]
      case 1: {                                       // [base]
        unsigned b = dst32(avoid | 1 << 5);
        mov_imm(b, target);
        t.push_back(static_cast<uint8_t>(b));
        break;
      }
      case 2: {  // [base+disp8]
        const unsigned b = dst32(avoid);
        const int8_t d = static_cast<int8_t>(pick(256));
        mov_imm(b, target - d);
        t.push_back(static_cast<uint8_t>(0x40 | b));
        t.push_back(static_cast<uint8_t>(d));
        break;
      }
      case 3: {  // [base+disp32], the sum wrapping around 4 GiB
        const unsigned b = dst32(avoid);
        const uint32_t v = static_cast<uint32_t>(m_rng());
        mov_imm(b, v);
        t.push_back(static_cast<uint8_t>(0x80 | b));
        d32(target - v);
        break;
      }
      case 4:
      case 5:
      case 6: {  // [base+index*scale(+disp)] or [index*scale+disp32]
        const unsigned s = pick(4);
        const unsigned i = dst32(avoid);
        const bool no_base = pick(3) == 0;
        // The index from data (a byte register zero-extended) or constant.
        uint32_t low;
        if (pick(2)) {
          m_a.bytes({0x0f, 0xb6, static_cast<uint8_t>(0xc0 | i << 3 | pick(8))});
          low = X86N_DATA + pick(room - (255u << s));
        } else {
          const uint32_t iv =
              pick(2) ? pick(64) : static_cast<uint32_t>(-static_cast<int>(pick(64)));
          mov_imm(i, iv);
          low = target - (iv << s);
        }
        if (no_base) {
          t.push_back(0x04);
          t.push_back(static_cast<uint8_t>(s << 6 | i << 3 | 5));
          d32(low);
          break;
        }
        const unsigned b = dst32(avoid | 1u << i);
        const unsigned mod = b == 5 ? 1 + pick(2) : pick(3);
        t.push_back(static_cast<uint8_t>(mod << 6 | 4));
        t.push_back(static_cast<uint8_t>(s << 6 | i << 3 | b));
        if (mod == 0) {
          mov_imm(b, low);
        } else if (mod == 1) {
          const int8_t d = static_cast<int8_t>(pick(256));
          mov_imm(b, low - d);
          t.push_back(static_cast<uint8_t>(d));
        } else {
          const uint32_t v = static_cast<uint32_t>(m_rng());
          mov_imm(b, v);
          d32(low - v);
        }
        break;
      }
      case 7: {  // [ebp+disp8] / [ebp+disp32]
        if (!writable(5) || avoid >> 5 & 1) return mem_operand(avoid, size, extra, pop);
        const int8_t d = static_cast<int8_t>(pick(256));
        mov_imm(5, target - d);
        t.push_back(0x45);
        t.push_back(static_cast<uint8_t>(d));
        break;
      }
      default: {  // [esp+disp8] into what this frame pushed
        if (stack < 0) return mem_operand(avoid, size, extra, pop);
        const uint32_t d = pick(static_cast<uint32_t>(std::min(stack, 127)) + 1);
        if (d == 0 && pick(2)) {
          t.insert(t.end(), {0x04, 0x24});
        } else {
          t.insert(t.end(), {0x44, 0x24, static_cast<uint8_t>(d)});
        }
        break;
      }
    }
    return t;
  }

  // --- instructions ------------------------------------------------------
  // One instruction of kForms; false when its registers are locked.
  bool form(const Form& f, bool mem) {
    if (f.implicit & m_locked) return false;
    if (!(f.attrs & kRegOk)) mem = true;
    if (!(f.attrs & kMemOk)) mem = false;
    const bool o16 = f.size == kVar && !(f.attrs & kNo16) && pick(4) == 0;
    const unsigned osz = f.size == kByte ? 1 : o16 ? 2 : 4;
    const bool rm_byte = f.size == kByte || (f.attrs & kRmByte);
    unsigned reg;
    if (f.ext >= 0)
      reg = static_cast<unsigned>(f.ext);
    else if (f.writes & kWritesReg)
      reg = f.size == kByte ? dst8() : dst32();
    else
      reg = f.size == kByte ? pick(8) : src32();
    std::vector<uint8_t> rm;
    if (mem) {
      uint8_t avoid = 0;
      unsigned extra = 0;
      if (f.attrs & kBitOffset) {  // bit offset 0..511 from a register
        reg = dst32();
        mov_imm(reg, pick(512));
        avoid = static_cast<uint8_t>(1u << reg);
        extra = 64;
      }
      const unsigned size = f.op == 0x0fc7        ? 8
                            : (f.attrs & kRmByte) ? 1
                            : (f.attrs & kRmWord) ? 2
                                                  : osz;
      rm = mem_operand(avoid, size, extra);
    } else {
      unsigned r;
      if (f.writes & kWritesRm)
        r = rm_byte ? dst8() : dst32();
      else
        r = rm_byte ? pick(8) : src32();
      rm.push_back(static_cast<uint8_t>(0xc0 | r));
    }
    rm[0] |= static_cast<uint8_t>(reg << 3);
    if (mem && pick(8) == 0) {  // a flat segment override: ES, SS, DS
      static constexpr uint8_t kSegs[] = {0x26, 0x36, 0x3e};
      m_a.byte(kSegs[pick(3)]);
    }
    if (mem && lockable(f) && pick(4) == 0) m_a.byte(0xf0);
    if (o16) m_a.byte(0x66);
    if (f.op > 0xff) m_a.byte(0x0f);
    m_a.byte(static_cast<uint8_t>((f.op & 0xff) + ((f.attrs & kCc) ? pick(16) : 0)));
    for (uint8_t b : rm) m_a.byte(b);
    immediate(f.imm, osz);
    return true;
  }

  // LOCK is allowed on the read-modify-write memory forms (else #UD).
  static bool lockable(const Form& f) {
    if (f.op == 0x0fc7) return true;
    if (!(f.writes & kWritesRm)) return false;
    switch (f.op) {
      case 0x88:
      case 0x89:
      case 0xc6:
      case 0xc7:
      case 0xc0:
      case 0xc1:
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3:
      case 0x0f90:
      case 0x0fa4:
      case 0x0fa5:
      case 0x0fac:
      case 0x0fad: return false;
      default: return true;
    }
  }

  void immediate(Imm imm, unsigned osz) {
    switch (imm) {
      case Imm::None: break;
      case Imm::B: m_a.byte(static_cast<uint8_t>(pick(256))); break;
      case Imm::NonZeroB: m_a.byte(static_cast<uint8_t>(1 + pick(255))); break;
      case Imm::Z:
        if (osz == 2)
          m_a.d16(static_cast<uint16_t>(value()));
        else if (osz == 4)
          m_a.d32(value());
        else
          m_a.byte(static_cast<uint8_t>(value()));
        break;
    }
  }

  bool plain(const Plain& p) {
    if (p.implicit & m_locked) return false;
    const bool o16 = !p.no16 && pick(4) == 0;
    unsigned r = 0;
    if (p.reg_in_op) {
      r = p.byte_reg ? dst8() : dst32();
      if (p.op == 0x90 && r == 0) return false;
    }
    if (o16) m_a.byte(0x66);
    if (p.op > 0xff) m_a.byte(0x0f);
    m_a.byte(static_cast<uint8_t>((p.op & 0xff) + r));
    immediate(p.imm, p.op == 0xb0 ? 1 : o16 ? 2 : (p.imm == Imm::Z ? 4 : 1));
    return true;
  }

  void random_form(bool mem) {
    while (!form(kForms[pick(std::size(kForms))], mem)) {
    }
  }
  // An instruction that sets the arithmetic flags, for a following Jcc.
  void flag_setter() {
    for (;;) {
      const Form& f = kForms[pick(std::size(kForms))];
      if ((f.attrs & kFlags) && form(f, pick(3) == 0)) return;
    }
  }

  // DIV/IDIV by a register or memory operand made positive and non-zero,
  // after a dividend the quotient fits in (AH or (E)DX cleared, or the sign
  // extension of AL/(E)AX).
  bool divide() {
    if (m_locked & (kEaxBit | kEdxBit)) return false;
    const unsigned kind = pick(3);  // byte, word, dword
    const bool sign = pick(2);
    const bool mem = pick(3) == 0;
    std::vector<uint8_t> rm;
    if (mem) {
      rm = mem_operand(kEaxBit | kEdxBit, 4);
      rm[0] |= 0 << 3;  // MOV r/m32, imm32
      m_a.byte(0xc7);
      for (uint8_t b : rm) m_a.byte(b);
      m_a.d32(1 + pick(kind == 0 ? 0x7e : 0x7ffe));
    } else {
      // Byte divisors: CL, BL, CH or BH (the others are not byte registers).
      const uint8_t not_byte = kind == 0 ? 0xf4 : 0;
      if ((m_locked | not_byte | kEaxBit | kEdxBit) == 0xff) return false;
      const unsigned d = dst32(kEaxBit | kEdxBit | not_byte);
      m_a.bytes({0x81, static_cast<uint8_t>(0xe0 | d)});  // and d, 0x7f7f7f7f
      m_a.d32(0x7f7f7f7f);
      m_a.bytes({0x81, static_cast<uint8_t>(0xc8 | d)});  // or d, 0x01010101
      m_a.d32(0x01010101);
      // The byte form may divide by the high byte (CH, BH) of the same register.
      rm.push_back(static_cast<uint8_t>(0xc0 | (kind == 0 && d < 4 && pick(2) ? d + 4 : d)));
    }
    if (kind == 0)
      m_a.bytes(sign ? std::initializer_list<uint8_t>{0x66, 0x98}          // cbw
                     : std::initializer_list<uint8_t>{0x0f, 0xb6, 0xc0});  // movzx eax, al
    else if (sign)
      m_a.bytes(kind == 1 ? std::initializer_list<uint8_t>{0x66, 0x99}
                          : std::initializer_list<uint8_t>{0x99});
    else
      m_a.bytes({0x31, 0xd2});  // xor edx, edx
    if (kind == 1) m_a.byte(0x66);
    m_a.byte(kind == 0 ? 0xf6 : 0xf7);
    rm[0] |= static_cast<uint8_t>((sign ? 7 : 6) << 3);
    for (uint8_t b : rm) m_a.byte(b);
    return true;
  }

  // MOVS/CMPS/STOS/LODS/SCAS, with or without REP/REPE/REPNE, either direction.
  bool string_op() {
    static constexpr uint8_t kOps[] = {0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
    const uint8_t op = kOps[pick(std::size(kOps))];
    static constexpr uint8_t kPrefixes[] = {0, 0, 0xf3, 0xf3, 0xf2};
    const uint8_t prefix = kPrefixes[pick(5)];
    const bool lods = op == 0xac || op == 0xad;
    if ((prefix && !writable(1)) || (lods && !writable(0)) || !writable(6) || !writable(7))
      return false;
    if (prefix) mov_imm(1, pick(13));
    mov_imm(6, X86N_DATA + 0x100 + pick(0xe00));
    mov_imm(7, X86N_DATA + 0x100 + pick(0xe00));
    m_a.byte(pick(2) ? 0xfd : 0xfc);  // std / cld
    if ((op & 1) && pick(3) == 0) m_a.byte(0x66);
    if (prefix) m_a.byte(prefix);
    m_a.byte(op);
    if (pick(2)) m_a.byte(0xfc);
    return true;
  }

  // PUSH and POP of registers, immediates, memory, flags; PUSHA/POPA;
  // POPF only of a value with harmless flags (no TF, AC).
  bool stack_op() {
    int& depth = m_regions.back();
    switch (pick(12)) {
      case 10:  // two 16-bit pushes (register, imm16, imm8, m16) make one dword
        for (int i = 0; i < 2; ++i) {
          switch (pick(4)) {
            case 0: m_a.bytes({0x66, static_cast<uint8_t>(0x50 + pick(8))}); break;
            case 1:
              m_a.bytes({0x66, 0x68});
              m_a.d16(static_cast<uint16_t>(value()));
              break;
            case 2: m_a.bytes({0x66, 0x6a, static_cast<uint8_t>(pick(256))}); break;
            default: {
              auto rm = mem_operand(0, 2);
              rm[0] |= 6 << 3;
              m_a.bytes({0x66, 0xff});
              for (uint8_t b : rm) m_a.byte(b);
              break;
            }
          }
        }
        ++depth;
        return true;
      case 11:  // two 16-bit pops
        if (depth == 0) return false;
        for (int i = 0; i < 2; ++i) m_a.bytes({0x66, static_cast<uint8_t>(0x58 + dst32())});
        --depth;
        return true;
      case 0: m_a.byte(static_cast<uint8_t>(0x50 + pick(8))); break;  // push r (esp too)
      case 1:
        m_a.byte(0x68);
        m_a.d32(value());
        break;
      case 2: m_a.bytes({0x6a, static_cast<uint8_t>(pick(256))}); break;
      case 3: {  // push m32
        auto rm = mem_operand(0, 4);
        rm[0] |= 6 << 3;
        m_a.byte(0xff);
        for (uint8_t b : rm) m_a.byte(b);
        break;
      }
      case 4:  // pushf / pusha
        if (pick(3) == 0) {
          m_a.byte(0x60);
          depth += 8;
          return true;
        }
        m_a.byte(0x9c);
        break;
      case 5:  // push harmless flags; popf
        m_a.byte(0x68);
        m_a.d32(0x202 | (pick(0x1000) & 0xcd5));
        m_a.byte(0x9d);
        return true;
      case 6:
      case 7:  // pop r
        if (depth == 0) return false;
        m_a.byte(static_cast<uint8_t>(0x58 + dst32()));
        --depth;
        return true;
      case 8: {  // pop m32
        if (depth == 0) return false;
        auto rm = mem_operand(0, 4, 0, true);
        m_a.byte(0x8f);
        for (uint8_t b : rm) m_a.byte(b);
        --depth;
        return true;
      }
      default:  // popa
        if (depth < 8 || m_locked) return false;
        m_a.byte(0x61);
        depth -= 8;
        return true;
    }
    ++depth;
    return true;
  }

  // Loads that are not ModRM forms: MOV AL/EAX, moffs; XLAT.
  bool special_load() {
    if (!writable(0)) return false;
    if (pick(2)) {
      const bool store = pick(2);
      const bool o16 = pick(4) == 0;
      const uint8_t op = static_cast<uint8_t>((store ? 0xa2 : 0xa0) + pick(2));
      if (o16 && (op & 1)) m_a.byte(0x66);
      m_a.byte(op);
      m_a.d32(X86N_DATA + pick(kScratch));
      return true;
    }
    if (!writable(3)) return false;
    mov_imm(3, X86N_DATA + pick(kScratch - 255));
    m_a.byte(0xd7);
    return true;
  }

  void lea() {
    const unsigned d = dst32();
    auto rm = mem_operand(0, 1);
    rm[0] |= static_cast<uint8_t>(d << 3);
    if (pick(4) == 0) m_a.byte(0x66);
    m_a.byte(0x8d);
    for (uint8_t b : rm) m_a.byte(b);
  }

  // --- statements --------------------------------------------------------
  void statement(bool simple) {
    if (!simple && m_branches && m_nest < 2 && pick(3) == 0) {
      ++m_nest;
      control();
      --m_nest;
      return;
    }
    for (;;) {
      const unsigned k = pick(100);
      if (k < 30) {
        random_form(false);
      } else if (k < 62) {
        random_form(true);
      } else if (k < 68) {
        if (!string_op()) continue;
      } else if (k < 78) {
        if (!stack_op()) continue;
      } else if (k < 83) {
        if (!divide()) continue;
      } else if (k < 86) {
        if (!special_load()) continue;
      } else if (k < 90) {
        lea();
      } else if (k < 92) {
        m_a.byte(pick(2) ? 0xfc : 0xfd);  // cld / std
      } else {
        if (!plain(kPlain[pick(std::size(kPlain))])) continue;
      }
      return;
    }
  }

  int visible_depth() const {
    int d = 0;
    for (size_t i = m_frame; i < m_regions.size(); ++i) d += m_regions[i];
    return d;
  }

  // Statements in a region that leaves ESP as it found it.
  void body(int n, bool simple) {
    m_regions.push_back(0);
    for (int i = 0; i < n; ++i) statement(simple);
    int& d = m_regions.back();
    while (d > 0) {
      switch (pick(3)) {
        case 0:
          m_a.byte(static_cast<uint8_t>(0x58 + dst32()));
          --d;
          break;
        case 1:  // lea esp, [esp+4d]
          m_a.bytes({0x8d, 0x64, 0x24, static_cast<uint8_t>(4 * d)});
          d = 0;
          break;
        default:  // add esp, 4d
          m_a.bytes({0x83, 0xc4, static_cast<uint8_t>(4 * d)});
          d = 0;
          break;
      }
    }
    m_regions.pop_back();
  }

  void jcc(unsigned cc, Label l, bool near) {
    if (near) {
      m_a.bytes({0x0f, static_cast<uint8_t>(0x80 + cc)});
      m_a.rel32(l);
    } else {
      m_a.byte(static_cast<uint8_t>(0x70 + cc));
      m_a.rel8(l);
    }
  }
  // Backward: short when it reaches (sometimes near anyway).
  void jcc_back(unsigned cc, Label l) {
    const int64_t disp = m_a.at(l) - static_cast<int64_t>(m_a.size() + 2);
    jcc(cc, l, disp < -128 || pick(4) == 0);
  }
  void jmp(Label l, bool near) {
    m_a.byte(near ? 0xe9 : 0xeb);
    if (near)
      m_a.rel32(l);
    else
      m_a.rel8(l);
  }

  void control() {
    switch (pick(11)) {
      case 0:
      case 1: if_skip(); break;
      case 2: if_else(); break;
      case 3: counted_loop(); break;
      case 4: random_condition_loop(); break;
      case 5: loop_ecx(); break;
      case 6: jecxz(); break;
      case 7:
      case 8: call(); break;
      case 9: stack_frame(); break;
      default: indirect_jump(); break;
    }
  }

  // ENTER n, 0 (or PUSH EBP; MOV EBP, ESP; SUB ESP, n) ... LEAVE, with EBP
  // locked in between; the body may use (and pop) the frame's dwords.
  void stack_frame() {
    if (!writable(5)) return statement(true);
    const unsigned locals = pick(5);
    if (pick(2)) {
      m_a.byte(0xc8);
      m_a.d16(static_cast<uint16_t>(4 * locals));
      m_a.byte(0);
    } else {
      m_a.bytes({0x55, 0x89, 0xe5});  // push ebp; mov ebp, esp
      if (locals) m_a.bytes({0x83, 0xec, static_cast<uint8_t>(4 * locals)});  // sub esp, n
    }
    m_locked |= 1 << 5;
    m_regions.push_back(static_cast<int>(1 + locals));
    const int n = 1 + static_cast<int>(pick(4));
    for (int i = 0; i < n; ++i) statement(false);
    m_regions.pop_back();  // LEAVE drops whatever the body left pushed
    m_locked &= static_cast<uint8_t>(~(1u << 5));
    m_a.byte(0xc9);
  }

  void if_skip() {
    flag_setter();
    const Label skip = m_a.label();
    const bool near = pick(3) == 0;
    jcc(pick(16), skip, near);
    body(1 + static_cast<int>(pick(near ? 5 : 3)), !near);
    m_a.bind(skip);
  }

  void if_else() {
    flag_setter();
    const Label other = m_a.label(), done = m_a.label();
    jcc(pick(16), other, true);
    body(1 + static_cast<int>(pick(4)), false);
    jmp(done, true);
    m_a.bind(other);
    body(1 + static_cast<int>(pick(4)), false);
    m_a.bind(done);
  }

  // A loop on a counter in memory, so the body may write any register;
  // every variant stops after at most n+1 iterations.
  void counted_loop() {
    if (m_counters == 64) return statement(true);
    const uint32_t ctr = X86N_COUNTERS + 4 * m_counters++;
    struct Variant {
      int init;    // n + init
      uint8_t op;  // step: 0 dec, 1 inc, 2 sub 1, 3 add 1
      int cmp;     // -1: no CMP, else compare with n + cmp
      uint8_t cc;
      bool from_zero;
    };
    static constexpr Variant kVariants[] = {
        {0, 0, -1, 0x5, false},  {0, 2, -1, 0xf, false},  {0, 0, -1, 0x7, false},
        {-1, 0, -1, 0x9, false}, {-1, 2, -1, 0xd, false}, {0, 1, 0, 0x2, true},
        {0, 3, 0, 0xc, true},    {0, 1, 0, 0x5, true},    {0, 1, -1, 0x6, true},
        {0, 3, -1, 0xe, true},
    };
    const Variant& v = kVariants[pick(std::size(kVariants))];
    // Now and then a long loop (a simple body, at the top level), longer
    // than the JIT's old chain budget (1024 chained blocks).
    const bool long_loop = m_nest == 1 && m_sub < 0 && pick(8) == 0;
    const int n = long_loop ? 100 + static_cast<int>(pick(1500)) : 1 + static_cast<int>(pick(4));
    m_a.bytes({0xc7, 0x05});
    m_a.d32(ctr);
    m_a.d32(static_cast<uint32_t>(v.from_zero ? 0 : n + v.init));
    const Label top = m_a.label();
    m_a.bind(top);
    body(1 + static_cast<int>(pick(long_loop ? 2 : 4)), long_loop);
    static constexpr uint8_t kStep[][3] = {
        {0xff, 0x0d, 0}, {0xff, 0x05, 0}, {0x83, 0x2d, 1}, {0x83, 0x05, 1}};
    m_a.bytes({kStep[v.op][0], kStep[v.op][1]});
    m_a.d32(ctr);
    if (kStep[v.op][0] == 0x83) m_a.byte(1);
    if (v.from_zero) {  // cmp dword [ctr], n (or n-1 for BE/LE, which include equality)
      const auto limit = static_cast<uint32_t>(v.cmp == 0 ? n : n - 1);
      m_a.bytes({static_cast<uint8_t>(limit < 0x80 ? 0x83 : 0x81), 0x3d});
      m_a.d32(ctr);
      if (limit < 0x80)
        m_a.byte(static_cast<uint8_t>(limit));
      else
        m_a.d32(limit);
    }
    jcc_back(v.cc, top);
  }

  // A backward Jcc on any condition of random flags, bounded by a counter.
  void random_condition_loop() {
    if (m_counters == 64) return statement(true);
    const uint32_t ctr = X86N_COUNTERS + 4 * m_counters++;
    m_a.bytes({0xc7, 0x05});
    m_a.d32(ctr);
    m_a.d32(1 + pick(3));
    const Label top = m_a.label(), out = m_a.label();
    m_a.bind(top);
    body(1 + static_cast<int>(pick(3)), false);
    m_a.bytes({0xff, 0x0d});  // dec dword [ctr]
    m_a.d32(ctr);
    jcc(0x8, out, pick(2) == 0);  // js out
    flag_setter();
    jcc_back(pick(16), top);
    m_a.bind(out);
  }

  // LOOP/LOOPE/LOOPNE on ECX (locked in the body), sometimes behind JECXZ.
  void loop_ecx() {
    if (!writable(1)) return statement(true);
    const Label top = m_a.label(), skip = m_a.label();
    const bool guard = pick(3) == 0;
    if (guard) {
      mov_imm(1, pick(4));
      m_a.byte(0xe3);
      m_a.rel8(skip);
    } else {
      mov_imm(1, 1 + pick(4));
    }
    m_locked |= kEcxBit;
    m_a.bind(top);
    body(1 + static_cast<int>(pick(2)), true);
    const uint8_t op = static_cast<uint8_t>(0xe0 + pick(3));
    if (op != 0xe2) flag_setter();
    m_a.byte(op);
    m_a.rel8(top);
    m_locked &= static_cast<uint8_t>(~kEcxBit);
    m_a.bind(skip);
  }

  void jecxz() {
    if (writable(1) && pick(2)) mov_imm(1, pick(2));
    const Label skip = m_a.label();
    m_a.byte(0xe3);
    m_a.rel8(skip);
    body(1 + static_cast<int>(pick(2)), true);
    m_a.bind(skip);
  }

  // CALL to a later subroutine: rel32, through a register, through the
  // table in memory ([disp32] or [index*4+disp32]).
  void call() {
    const int k = m_sub + 1 + static_cast<int>(pick(3));
    if (m_locked || k >= static_cast<int>(m_subs.size())) return statement(true);
    const Sub& s = m_subs[k];
    if (s.ret4) {
      if (pick(2))
        m_a.byte(static_cast<uint8_t>(0x50 + pick(8)));
      else
        m_a.bytes({0x6a, static_cast<uint8_t>(pick(256))});
    }
    switch (pick(4)) {
      case 0:
        m_a.byte(0xe8);
        m_a.rel32(s.entry);
        break;
      case 1: {
        const unsigned r = dst32();
        m_a.byte(static_cast<uint8_t>(0xb8 + r));
        m_a.abs32(s.entry);
        m_a.bytes({0xff, static_cast<uint8_t>(0xd0 | r)});
        break;
      }
      case 2:
        m_a.bytes({0xff, 0x15});
        m_a.abs32(m_sub_table, 4 * static_cast<uint32_t>(k));
        break;
      default: {
        const unsigned r = dst32();
        mov_imm(r, static_cast<uint32_t>(k));
        m_a.bytes({0xff, 0x14, static_cast<uint8_t>(0x80 | r << 3 | 5)});
        m_a.abs32(m_sub_table);
        break;
      }
    }
  }

  // A switch: JMP [table+index*4], MOV r, [table+index*4]; JMP r, or JMP r
  // after a CMOVcc picked one of two addresses.
  void indirect_jump() {
    const Label done = m_a.label();
    std::vector<Label> cases;
    const unsigned kind = pick(3);
    if (kind == 2) {
      const unsigned a = dst32(), b = dst32(static_cast<uint8_t>(1u << a));
      cases = {m_a.label(), m_a.label()};
      m_a.byte(static_cast<uint8_t>(0xb8 + a));
      m_a.abs32(cases[0]);
      m_a.byte(static_cast<uint8_t>(0xb8 + b));
      m_a.abs32(cases[1]);
      const uint8_t saved = m_locked;
      m_locked |= static_cast<uint8_t>(1u << a | 1u << b);
      flag_setter();
      m_locked = saved;
      m_a.bytes(
          {0x0f, static_cast<uint8_t>(0x40 + pick(16)), static_cast<uint8_t>(0xc0 | a << 3 | b)});
      m_a.bytes({0xff, static_cast<uint8_t>(0xe0 | a)});
    } else {
      for (int i = 0; i < 4; ++i) cases.push_back(m_a.label());
      m_tables.push_back({m_a.label(), cases});
      const Label table = m_tables.back().at;
      const unsigned i = dst32();
      if (pick(2))
        m_a.bytes({0x0f, 0xb6, static_cast<uint8_t>(0xc0 | i << 3 | pick(8))});  // movzx i, r8
      else
        mov_imm(i, pick(8));
      m_a.bytes({0x83, static_cast<uint8_t>(0xe0 | i), 3});  // and i, 3
      if (kind == 0) {
        m_a.bytes({0xff, 0x24, static_cast<uint8_t>(0x80 | i << 3 | 5)});
        m_a.abs32(table);
      } else {
        const unsigned r = dst32();
        m_a.bytes(
            {0x8b, static_cast<uint8_t>(r << 3 | 4), static_cast<uint8_t>(0x80 | i << 3 | 5)});
        m_a.abs32(table);
        m_a.bytes({0xff, static_cast<uint8_t>(0xe0 | r)});
      }
    }
    for (size_t c = 0; c < cases.size(); ++c) {
      m_a.bind(cases[c]);
      body(1 + static_cast<int>(pick(3)), false);
      if (c + 1 < cases.size()) jmp(done, true);
    }
    m_a.bind(done);
  }

  // --- randomness --------------------------------------------------------
  uint32_t value() {
    static constexpr uint32_t kEdge[] = {0,       1,          2,          0x7f,       0x80,
                                         0xff,    0x100,      0x7fff,     0x8000,     0xffff,
                                         0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe,
                                         0x99,    0x1f,       0x20,       0x21,       0x9};
    switch (pick(3)) {
      case 0: return static_cast<uint32_t>(m_rng());
      case 1: return kEdge[pick(std::size(kEdge))];
      default: return pick(256);
    }
  }
  uint32_t pick(uint32_t n) { return static_cast<uint32_t>(m_rng() % n); }

  std::mt19937 m_rng;
  const bool m_branches;
  Assembler m_a;
  uint8_t m_locked = 0;        // registers statements must not write (a LOOP's ECX)
  std::vector<int> m_regions;  // dwords pushed in each open region
  size_t m_frame = 0;          // first region of the current subroutine's frame
  int m_nest = 0;              // control structures open
  int m_counters = 0;          // loop counters used (dwords at X86N_COUNTERS)
  int m_sub = -1;              // subroutine being generated (-1: main)
  std::vector<Sub> m_subs;
  Label m_sub_table = 0;
  std::vector<Table> m_tables;
  uint32_t m_code_bytes = 0;
};

}  // namespace

Case generate_sequence(uint32_t seed, bool branches) {
  Case c = SequenceGenerator(seed, branches).generate();
  c.seed = seed;
  return c;
}

}  // namespace dynemu::x86::native
