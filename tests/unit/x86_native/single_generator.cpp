#include "tests/unit/x86_native/single_generator.h"

#include <random>

#include "emulator/x86/cpu_state.h"
#include "emulator/x86/lazy_flags.h"
#include "tests/unit/x86_native/layout.h"

namespace dynemu::x86::native {
namespace {

class SingleGenerator {
 public:
  explicit SingleGenerator(uint32_t seed) : m_rng(seed) {}

  Case next() {
    if (pick(6) == 0) return string_case();
    Case c;
    const Form f = kForms[pick(sizeof kForms / sizeof kForms[0])];
    const bool o16 = pick(4) == 0;
    if (o16) c.code.push_back(0x66);
    if (f.opcode > 0xff) c.code.push_back(0x0f);
    c.code.push_back(static_cast<uint8_t>(f.opcode));
    bool mem = false;
    if (f.modrm) {
      unsigned reg = f.ext >= 0 ? static_cast<unsigned>(f.ext) : pick(8);
      if (reg == 4 && f.ext < 0) reg = 5;  // never ESP as a destination
      mem = f.memory_only || pick(5) < 2;
      if (mem) {
        c.code.push_back(static_cast<uint8_t>(0x40 | reg << 3 | 3));  // [ebx+disp8]
        c.code.push_back(static_cast<uint8_t>(pick(0x80)));
      } else {
        static constexpr uint8_t kRm[] = {0, 1, 2, 3, 5, 6, 7};
        c.code.push_back(static_cast<uint8_t>(0xc0 | reg << 3 | kRm[pick(7)]));
      }
    }
    const unsigned osz = o16 ? 2 : 4;
    switch (f.imm) {
      case Imm::None: break;
      case Imm::B: c.code.push_back(static_cast<uint8_t>(pick(256))); break;
      case Imm::NonZeroB: c.code.push_back(static_cast<uint8_t>(1 + pick(255))); break;
      case Imm::Z:
        for (unsigned i = 0; i < osz; ++i) c.code.push_back(static_cast<uint8_t>(pick(256)));
        break;
    }
    for (auto& r : c.regs) r = value(mem);
    if (mem) c.regs[kEbx] = X86N_DATA + pick(0xe00);
    c.eflags = random_flags();
    // Often follow with an instruction that reads the flags the first one
    // left (lazy flags evaluated per condition, not only materialized).
    if (pick(2)) append_flag_reader(c.code);
    return c;
  }

 private:
  enum class Imm { None, B, NonZeroB, Z };
  struct Form {
    uint16_t opcode;
    bool modrm;
    int ext;  // ModRM.reg for group opcodes, -1 for a random register
    Imm imm;
    bool memory_only;
  };
  // clang-format off
  static constexpr Form kForms[] = {
#define ALU(b) {b, true, -1, Imm::None, false}, {b + 1, true, -1, Imm::None, false}, \
      {b + 2, true, -1, Imm::None, false}, {b + 3, true, -1, Imm::None, false},     \
      {b + 4, false, -1, Imm::B, false}, {b + 5, false, -1, Imm::Z, false},
    ALU(0x00) ALU(0x08) ALU(0x10) ALU(0x18) ALU(0x20) ALU(0x28) ALU(0x30) ALU(0x38)
#undef ALU
    {0x27, false, -1, Imm::None, false}, {0x2f, false, -1, Imm::None, false},
    {0x37, false, -1, Imm::None, false}, {0x3f, false, -1, Imm::None, false},
    {0x40, false, -1, Imm::None, false}, {0x43, false, -1, Imm::None, false},
    {0x48, false, -1, Imm::None, false}, {0x4e, false, -1, Imm::None, false},
    {0x50, false, -1, Imm::None, false}, {0x56, false, -1, Imm::None, false},
    {0x68, false, -1, Imm::Z, false}, {0x6a, false, -1, Imm::B, false},
    {0x69, true, -1, Imm::Z, false}, {0x6b, true, -1, Imm::B, false},
    {0x80, true, 0, Imm::B, false}, {0x80, true, 2, Imm::B, false}, {0x80, true, 3, Imm::B, false},
    {0x80, true, 5, Imm::B, false}, {0x81, true, 4, Imm::Z, false}, {0x81, true, 7, Imm::Z, false},
    {0x83, true, 1, Imm::B, false}, {0x83, true, 6, Imm::B, false}, {0x83, true, 3, Imm::B, false},
    {0x84, true, -1, Imm::None, false}, {0x85, true, -1, Imm::None, false},
    {0x86, true, -1, Imm::None, false}, {0x87, true, -1, Imm::None, false},
    {0x88, true, -1, Imm::None, false}, {0x8b, true, -1, Imm::None, false},
    {0x8d, true, -1, Imm::None, true},
    {0x91, false, -1, Imm::None, false}, {0x96, false, -1, Imm::None, false},
    {0x98, false, -1, Imm::None, false}, {0x99, false, -1, Imm::None, false},
    {0x9e, false, -1, Imm::None, false}, {0x9f, false, -1, Imm::None, false},
    {0xa8, false, -1, Imm::B, false}, {0xa9, false, -1, Imm::Z, false},
    {0xb4, false, -1, Imm::B, false}, {0xbb, false, -1, Imm::Z, false},
    {0xc0, true, 0, Imm::B, false}, {0xc0, true, 1, Imm::B, false}, {0xc0, true, 2, Imm::B, false},
    {0xc0, true, 3, Imm::B, false}, {0xc1, true, 4, Imm::B, false}, {0xc1, true, 5, Imm::B, false},
    {0xc1, true, 6, Imm::B, false}, {0xc1, true, 7, Imm::B, false}, {0xc1, true, 2, Imm::B, false},
    {0xc1, true, 3, Imm::B, false}, {0xc1, true, 0, Imm::B, false}, {0xc1, true, 1, Imm::B, false},
    {0xd0, true, 2, Imm::None, false}, {0xd0, true, 7, Imm::None, false},
    {0xd1, true, 0, Imm::None, false}, {0xd1, true, 3, Imm::None, false},
    {0xd2, true, 0, Imm::None, false}, {0xd2, true, 1, Imm::None, false},
    {0xd2, true, 2, Imm::None, false}, {0xd2, true, 3, Imm::None, false},
    {0xd3, true, 4, Imm::None, false}, {0xd3, true, 5, Imm::None, false},
    {0xd3, true, 7, Imm::None, false}, {0xd3, true, 2, Imm::None, false},
    {0xd3, true, 3, Imm::None, false},
    {0xd4, false, -1, Imm::NonZeroB, false}, {0xd5, false, -1, Imm::B, false},
    {0xd6, false, -1, Imm::None, false}, {0xf5, false, -1, Imm::None, false},
    {0xf6, true, 0, Imm::B, false}, {0xf6, true, 2, Imm::None, false}, {0xf6, true, 3, Imm::None, false},
    {0xf6, true, 4, Imm::None, false}, {0xf6, true, 5, Imm::None, false},
    {0xf7, true, 0, Imm::Z, false}, {0xf7, true, 3, Imm::None, false},
    {0xf7, true, 4, Imm::None, false}, {0xf7, true, 5, Imm::None, false},
    {0xf6, true, 6, Imm::None, false}, {0xf6, true, 7, Imm::None, false},
    {0xf7, true, 6, Imm::None, false}, {0xf7, true, 7, Imm::None, false},
    {0xf8, false, -1, Imm::None, false}, {0xf9, false, -1, Imm::None, false},
    {0xfe, true, 0, Imm::None, false}, {0xff, true, 1, Imm::None, false},
    {0x0f40, true, -1, Imm::None, false}, {0x0f42, true, -1, Imm::None, false},
    {0x0f45, true, -1, Imm::None, false}, {0x0f4c, true, -1, Imm::None, false},
    {0x0f4f, true, -1, Imm::None, false}, {0x0f4a, true, -1, Imm::None, false},
    {0x0f92, true, -1, Imm::None, false}, {0x0f96, true, -1, Imm::None, false},
    {0x0f9c, true, -1, Imm::None, false}, {0x0f9f, true, -1, Imm::None, false},
    {0x0f98, true, -1, Imm::None, false}, {0x0f9b, true, -1, Imm::None, false},
    {0x0fa3, true, -1, Imm::None, false}, {0x0fab, true, -1, Imm::None, false},
    {0x0fb3, true, -1, Imm::None, false}, {0x0fbb, true, -1, Imm::None, false},
    {0x0fa4, true, -1, Imm::B, false}, {0x0fa5, true, -1, Imm::None, false},
    {0x0fac, true, -1, Imm::B, false}, {0x0fad, true, -1, Imm::None, false},
    {0x0faf, true, -1, Imm::None, false}, {0x0fb0, true, -1, Imm::None, false},
    {0x0fb1, true, -1, Imm::None, false}, {0x0fb6, true, -1, Imm::None, false},
    {0x0fb7, true, -1, Imm::None, false}, {0x0fbe, true, -1, Imm::None, false},
    {0x0fbf, true, -1, Imm::None, false}, {0x0fba, true, 4, Imm::B, false},
    {0x0fba, true, 5, Imm::B, false}, {0x0fba, true, 6, Imm::B, false}, {0x0fba, true, 7, Imm::B, false},
    {0x0fbc, true, -1, Imm::None, false}, {0x0fbd, true, -1, Imm::None, false},
    {0x0fc0, true, -1, Imm::None, false}, {0x0fc1, true, -1, Imm::None, false},
    {0x0fc8, false, -1, Imm::None, false}, {0x0fcb, false, -1, Imm::None, false},
  };
  // clang-format on

  void append_flag_reader(std::vector<uint8_t>& code) {
    const uint8_t cc = static_cast<uint8_t>(pick(16));
    static constexpr uint8_t kDst[] = {0, 1, 2, 3, 5, 6, 7};
    const uint8_t rm = kDst[pick(7)], reg = kDst[pick(7)];
    switch (pick(6)) {
      case 0:
        code.insert(code.end(), {0x0f, static_cast<uint8_t>(0x90 + cc), uint8_t(0xc0 | rm)});
        break;
      case 1:
        code.insert(code.end(),
                    {0x0f, static_cast<uint8_t>(0x40 + cc), uint8_t(0xc0 | reg << 3 | rm)});
        break;
      case 2: code.insert(code.end(), {0x11, uint8_t(0xc0 | reg << 3 | rm)}); break;  // ADC
      case 3: code.insert(code.end(), {0x19, uint8_t(0xc0 | reg << 3 | rm)}); break;  // SBB
      case 4: code.push_back(0x9f); break;                                            // LAHF
      default:  // Jcc over a MOV: the taken and fallthrough paths differ
        code.insert(code.end(),
                    {static_cast<uint8_t>(0x70 + cc), 0x05, 0xb8, 0x11, 0x22, 0x33, 0x44});
        break;
    }
  }

  Case string_case() {
    Case c;
    static constexpr uint8_t kPrefix[] = {0, 0xf3, 0xf2};
    static constexpr uint8_t kOps[] = {0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
    if (pick(4) == 0) c.code.push_back(0x66);
    if (const uint8_t p = kPrefix[pick(3)]) c.code.push_back(p);
    c.code.push_back(kOps[pick(sizeof kOps)]);
    for (auto& r : c.regs) r = value(false);
    c.regs[kEsi] = X86N_DATA + 0x100 + pick(0x700);
    c.regs[kEdi] = X86N_DATA + 0x100 + pick(0x700);
    c.regs[kEcx] = pick(24);
    c.eflags = random_flags() | (pick(2) ? kDF : 0);
    return c;
  }

  uint32_t random_flags() {
    static constexpr uint32_t kSome[] = {0, kCF, kPF, kAF, kZF, kSF, kOF, 0x8d5};
    return 0x202 | kSome[pick(8)] | kSome[pick(8)];
  }
  uint32_t value(bool small) {
    static constexpr uint32_t kEdge[] = {0,       1,          2,          0x7f,       0x80,
                                         0xff,    0x100,      0x7fff,     0x8000,     0xffff,
                                         0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe,
                                         0x99,    0x1f,       0x20,       0x21,       0x9};
    if (small) return pick(2) ? pick(0x100) : kEdge[pick(7)];
    switch (pick(3)) {
      case 0: return static_cast<uint32_t>(m_rng());
      case 1: return kEdge[pick(sizeof kEdge / sizeof kEdge[0])];
      default: return pick(256);
    }
  }
  uint32_t pick(uint32_t n) {
    return static_cast<uint32_t>(m_rng() % n);
  }

  std::mt19937 m_rng;
};

}  // namespace

std::vector<Case> single_instruction_cases(uint32_t seed, int count) {
  SingleGenerator gen(seed);
  std::vector<Case> cases;
  cases.reserve(count);
  for (int i = 0; i < count; ++i) {
    cases.push_back(gen.next());
    cases.back().seed = seed;
  }
  return cases;
}

}  // namespace dynemu::x86::native
