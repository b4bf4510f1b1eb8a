// exec::Cpu in system mode on an mmu::PhysMemory: reset state, real-mode
// code from the reset vector, interrupts at block boundaries, HLT, #PF in
// the middle of a block (and of REP MOVSB) handled by a guest handler that
// maps the page and IRETs, self-modifying code through the TLB. Each test
// runs on the interpreter and on the JIT.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <initializer_list>
#include <vector>

#include "emulator/exec/cpu.h"
#include "emulator/ir/system_bus.h"
#include "emulator/mmu/mmu.h"
#include "emulator/mmu/phys_memory.h"
#include "tests/unit/system_cpu_fixture.h"

namespace dynemu::exec {
namespace {

struct FakeBus : ir::SystemBus {
  struct Io {
    uint16_t port;
    unsigned size;
    uint32_t value;
  };
  std::vector<Io> writes;
  std::deque<int> vectors;  // what INTA answers
  int acks = 0;
  uint32_t io_read(uint16_t port, unsigned size) override {
    return 0x12345678u & (size == 4 ? ~0u : (1u << (8 * size)) - 1);
  }
  void io_write(uint16_t port, unsigned size, uint32_t value) override {
    writes.push_back({port, size, value});
  }
  int interrupt_acknowledge() override {
    ++acks;
    if (vectors.empty()) return -1;
    const int v = vectors.front();
    vectors.pop_front();
    return v;
  }
};

class SystemCpu : public test::SystemCpuFixture<FakeBus, 16 << 20> {
 protected:
  uint32_t get32(uint32_t addr) {
    uint32_t v;
    std::memcpy(&v, phys.ram() + addr, 4);
    return v;
  }
  // Real mode, CS = 0, at `eip`.
  void real_mode_at(uint32_t eip) {
    s().seg[x86::kCs] = x86::SegmentCache{0, 0, 0xffff, 0x9b};
    s().eip = eip;
  }
  // An interrupt gate (32-bit, DPL 0) for `vector` to `handler`.
  void gate(uint8_t vector, uint32_t handler) {
    put32(0x12000 + 8 * vector, (0x08u << 16) | (handler & 0xffff));
    put32(0x12004 + 8 * vector, (handler & 0xffff0000u) | 0x8e00);
  }
};

TEST_P(SystemCpu, ResetState) {
  const x86::CpuState& st = s();
  EXPECT_EQ(st.seg[x86::kCs].selector, 0xf000);
  EXPECT_EQ(st.seg[x86::kCs].base, 0xffff0000u);
  EXPECT_EQ(st.seg[x86::kCs].limit, 0xffffu);
  EXPECT_EQ(st.eip, 0xfff0u);
  EXPECT_EQ(st.gpr[x86::kEdx], 0x633u);
  EXPECT_EQ(st.cr[0], 0x60000010u);
  EXPECT_EQ(st.eflags, 0x2u);
}

TEST_P(SystemCpu, RealModeFromTheResetVector) {
  std::vector<uint8_t> rom(0x10000, 0xf4);
  const uint8_t code[] = {0xb8, 0x34, 0x12,  // mov ax, 0x1234
                          0xa3, 0x00, 0x05,  // mov [0x500], ax
                          0xf4};             // hlt
  std::memcpy(&rom[0xfff0], code, sizeof code);
  phys.map_rom(0xffff0000, rom);
  const CpuExit e = cpu->run();
  EXPECT_EQ(e.kind, ExitKind::Halt);
  EXPECT_EQ(s().eip, 0xfff7u);
  EXPECT_EQ(get32(0x500) & 0xffff, 0x1234u);
  // Halted with no interrupt: stays halted.
  EXPECT_EQ(cpu->run().kind, ExitKind::Halt);
  EXPECT_EQ(s().eip, 0xfff7u);
}

TEST_P(SystemCpu, MaskedInterruptIsNotTaken) {
  real_mode_at(0x1000);
  put(0x1000, {0xfa, 0xf4});  // cli; hlt
  EXPECT_EQ(cpu->run().kind, ExitKind::Halt);
  bus.vectors.push_back(8);
  cpu->set_irq(true);
  EXPECT_EQ(cpu->run().kind, ExitKind::Halt);
  EXPECT_EQ(bus.acks, 0);
}

TEST_P(SystemCpu, InterruptWakesHltThroughTheIvt) {
  real_mode_at(0x1000);
  put32(8 * 4, 0x00003000);                   // IVT[8] = 0000:3000
  put(0x1000, {0xfb, 0xf4,                    // sti; hlt
               0x40,                          // inc ax
               0xf4});                        // hlt
  put(0x3000, {0xc6, 0x06, 0x00, 0x06, 0x01,  // mov byte [0x600], 1
               0xcf});                        // iret
  s().gpr[x86::kEsp] = 0x8000;
  EXPECT_EQ(cpu->run().kind, ExitKind::Halt);
  EXPECT_EQ(s().eip, 0x1002u);
  bus.vectors.push_back(8);
  cpu->set_irq(true);
  const CpuExit e = cpu->run();
  cpu->set_irq(false);
  EXPECT_EQ(e.kind, ExitKind::Halt);
  EXPECT_EQ(phys.ram()[0x600], 1);
  EXPECT_EQ(s().gpr[x86::kEax] & 0xffff, 1u);
  EXPECT_EQ(s().eip, 0x1004u);
  EXPECT_EQ(s().gpr[x86::kEsp], 0x8000u);
}

TEST_P(SystemCpu, SelfModifyingCodeThroughTheTlb) {
  real_mode_at(0x1000);
  put(0x1000, {0xc6, 0x06, 0x08, 0x10, 0x40,  // mov byte [0x1008], 0x40 (inc ax)
               0x90, 0x90, 0x90,              // nops
               0x90,                          // becomes inc ax
               0xf4});                        // hlt
  EXPECT_EQ(cpu->run().kind, ExitKind::Halt);
  EXPECT_EQ(s().gpr[x86::kEax] & 0xffff, 1u);
  // Run it again after rewriting from outside (DMA-like PhysMemory::write).
  const uint8_t dec = 0x48;  // dec ax; the store above writes 0x40 again first
  phys.write(0x1005, &dec, 1);
  real_mode_at(0x1000);
  EXPECT_EQ(cpu->run().kind, ExitKind::Halt);
  EXPECT_EQ(s().gpr[x86::kEax] & 0xffff, 1u);  // dec then inc
}

TEST_P(SystemCpu, PageFaultInTheMiddleOfABlockIsPrecise) {
  paged_mode_at(0x1000);
  put32(0x11000 + 4 * 0x200, 0);  // linear 0x200000: not present
  gate(14, 0x3000);
  put(0x1000, {0xb8, 0x11, 0x00, 0x00, 0x00,        // mov eax, 0x11
               0xb9, 0x22, 0x00, 0x00, 0x00,        // mov ecx, 0x22
               0xa3, 0x10, 0x00, 0x20, 0x00,        // mov [0x200010], eax   <- #PF
               0x8b, 0x1d, 0x10, 0x00, 0x20, 0x00,  // mov ebx, [0x200010]
               0xf4});                              // hlt
  put(0x3000, {0xc7, 0x05, 0x00, 0x18, 0x01, 0x00, 0x03, 0x00, 0x20, 0x00,  // mov [0x11800], PTE
               0x8f, 0x05, 0x04, 0x50, 0x00, 0x00,  // pop dword [0x5004] (error code)
               0xff, 0x05, 0x00, 0x50, 0x00, 0x00,  // inc dword [0x5000]
               0x89, 0x0d, 0x08, 0x50, 0x00, 0x00,  // mov [0x5008], ecx (as at the fault)
               0xcf});                              // iretd
  const CpuExit e = cpu->run();
  ASSERT_EQ(e.kind, ExitKind::Halt);
  EXPECT_EQ(get32(0x5000), 1u);
  EXPECT_EQ(get32(0x5004), 2u);  // write, not present, supervisor
  EXPECT_EQ(get32(0x5008), 0x22u);
  EXPECT_EQ(s().cr[2], 0x200010u);
  EXPECT_EQ(s().gpr[x86::kEbx], 0x11u);
  EXPECT_EQ(get32(0x200010), 0x11u);
  EXPECT_EQ(s().gpr[x86::kEsp], 0x9000u);
  EXPECT_TRUE(get32(0x11800) & mmu::kPteD);
  if (GetParam() == Engine::Jit) {
    EXPECT_GT(cpu->stats().jit_compiled, 0u);
    EXPECT_EQ(cpu->stats().jit_fallbacks, 0u);
  }
}

TEST_P(SystemCpu, PageFaultInTheMiddleOfRepMovsb) {
  paged_mode_at(0x1000);
  // Source 0x204ff0.. (16 bytes in page 0x204, then page 0x205 missing).
  put32(0x11000 + 4 * 0x205, 0);
  for (uint32_t i = 0; i < 0x20; ++i) phys.ram()[0x204ff0 + i] = static_cast<uint8_t>(i + 1);
  gate(14, 0x3000);
  put(0x1000, {0xbe, 0xf0, 0x4f, 0x20, 0x00,        // mov esi, 0x204ff0
               0xbf, 0x00, 0x60, 0x00, 0x00,        // mov edi, 0x6000
               0xb9, 0x20, 0x00, 0x00, 0x00,        // mov ecx, 0x20
               0xfc,                                // cld
               0xf3, 0xa4,                          // rep movsb   <- #PF after 16 bytes
               0xf4});                              // hlt
  put(0x3000, {0x89, 0x0d, 0x08, 0x50, 0x00, 0x00,  // mov [0x5008], ecx
               0x89, 0x35, 0x0c, 0x50, 0x00, 0x00,  // mov [0x500c], esi
               0xc7, 0x05, 0x14, 0x18, 0x01, 0x00, 0x03, 0x50, 0x20, 0x00,  // PTE 0x205 present
               0x83, 0xc4, 0x04,                                            // add esp, 4
               0xcf});                                                      // iretd
  const CpuExit e = cpu->run();
  ASSERT_EQ(e.kind, ExitKind::Halt);
  EXPECT_EQ(get32(0x5008), 0x10u);      // ECX at the fault: 16 bytes left
  EXPECT_EQ(get32(0x500c), 0x205000u);  // ESI at the fault
  EXPECT_EQ(s().cr[2], 0x205000u);
  EXPECT_EQ(s().gpr[x86::kEcx], 0u);
  EXPECT_EQ(s().gpr[x86::kEsi], 0x205010u);
  EXPECT_EQ(s().gpr[x86::kEdi], 0x6020u);
  for (uint32_t i = 0; i < 0x20; ++i) EXPECT_EQ(phys.ram()[0x6000 + i], i + 1) << i;
}

TEST_P(SystemCpu, CodeFetchFaultAndMmio) {
  paged_mode_at(0x1000);
  struct Dev : mmu::MmioHandler {
    uint32_t last = 0;
    uint64_t mmio_read(uint32_t off, unsigned) override { return 0xabcd0000u | off; }
    void mmio_write(uint32_t off, unsigned, uint64_t v) override {
      last = static_cast<uint32_t>(v) + off;
    }
  } dev;
  phys.map_mmio(0xfe000000, 0x1000, &dev);
  put32(0x10000 + 4 * 0x3f8, 0xfe000000 | 0x83);  // 4 MiB page at 0xfe000000, needs PSE
  s().cr[4] = mmu::kCr4Pse;
  put32(0x11000 + 4 * 0x300, 0);  // code page 0x300000 missing
  gate(14, 0x3000);
  put(0x1000, {0xa1, 0x08, 0x00, 0x00, 0xfe,    // mov eax, [0xfe000008]
               0xa3, 0x10, 0x00, 0x00, 0xfe,    // mov [0xfe000010], eax
               0xe9, 0xf0, 0xef, 0x2f, 0x00});  // jmp 0x2fffff: an instruction (00 /r) that
                                                // runs into the missing page
  put(0x3000, {0xf4});                          // hlt in the handler
  const CpuExit e = cpu->run();
  ASSERT_EQ(e.kind, ExitKind::Halt);
  EXPECT_EQ(s().gpr[x86::kEax], 0xabcd0008u);
  EXPECT_EQ(dev.last, 0xabcd0018u);
  EXPECT_EQ(s().cr[2], 0x300000u);
  EXPECT_EQ(get32(0x9000 - 16), 0u);         // error code: fetch, not present, supervisor
  EXPECT_EQ(get32(0x9000 - 12), 0x2fffffu);  // return EIP: the instruction's first byte
}

TEST_P(SystemCpu, PortIoReachesTheBus) {
  real_mode_at(0x1000);
  put(0x1000, {0xb0, 0x42,                          // mov al, 0x42
               0xe6, 0x80,                          // out 0x80, al
               0xba, 0xf8, 0x03,                    // mov dx, 0x3f8
               0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,  // mov eax, 0x12345678
               0x66, 0xef,                          // out dx, eax
               0xec,                                // in al, dx
               0xf4});                              // hlt
  ASSERT_EQ(cpu->run().kind, ExitKind::Halt);
  ASSERT_EQ(bus.writes.size(), 2u);
  EXPECT_EQ(bus.writes[0].port, 0x80);
  EXPECT_EQ(bus.writes[0].size, 1u);
  EXPECT_EQ(bus.writes[0].value, 0x42u);
  EXPECT_EQ(bus.writes[1].port, 0x3f8);
  EXPECT_EQ(bus.writes[1].size, 4u);
  EXPECT_EQ(bus.writes[1].value, 0x12345678u);
  EXPECT_EQ(s().gpr[x86::kEax], 0x12345678u);  // FakeBus reads 0x78 for a byte
}

TEST_P(SystemCpu, Cr3SwitchRunsTheOtherPhysicalCode) {
  paged_mode_at(0x1000);
  // Two page directories sharing the low 4 MiB; linear 0x400000 maps to
  // phys 0x500000 (add ebx, 1) under A and 0x600000 (add ebx, 0x10) under B.
  put32(0x14000, 0x500000 | 3);
  put32(0x15000, 0x600000 | 3);
  put32(0x10004, 0x14000 | 3);
  put32(0x16000, 0x11000 | 3);
  put32(0x16004, 0x15000 | 3);
  put(0x500000, {0x83, 0xc3, 0x01, 0xc3});    // add ebx, 1; ret
  put(0x600000, {0x83, 0xc3, 0x10, 0xc3});    // add ebx, 0x10; ret
  put(0x1000, {0xb9, 0x03, 0x00, 0x00, 0x00,  // mov ecx, 3
               0xe8, 0xf6, 0xef, 0x3f, 0x00,  // call 0x400000
               0x0f, 0x22, 0xde,              // mov cr3, esi
               0x87, 0xfe,                    // xchg esi, edi
               0x49,                          // dec ecx
               0x75, 0xf3,                    // jnz 0x1005
               0xf4});                        // hlt
  s().gpr[x86::kEsi] = 0x16000;
  s().gpr[x86::kEdi] = 0x10000;
  ASSERT_EQ(cpu->run().kind, ExitKind::Halt);
  EXPECT_EQ(s().gpr[x86::kEbx], 0x12u);  // A, B, A
}

TEST_P(SystemCpu, TripleFaultShutsDown) {
  paged_mode_at(0x1000);
  s().idtr = {0x12000, 0};    // no usable IDT: #GP -> #DF -> triple fault
  put(0x1000, {0xcd, 0x40});  // int 0x40
  EXPECT_EQ(cpu->run().kind, ExitKind::Shutdown);
}

INSTANTIATE_TEST_SUITE_P(Engines, SystemCpu, ::testing::Values(Engine::Interp, Engine::Jit),
                         [](const auto& info) {
                           return info.param == Engine::Interp ? "Interp" : "Jit";
                         });

}  // namespace
}  // namespace dynemu::exec
