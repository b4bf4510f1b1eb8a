#pragma once

// exec::Cpu in system mode on an mmu::PhysMemory of kRamBytes with a test's
// Bus, run on the engine the test is parameterized with, and the guest setup
// its tests share: byte pokes and 32-bit flat paged protected mode.
// (x86_system_machine.h's SystemMachine is another machine: 2 MiB without
// paging, its own bus and CPU loop.)
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <utility>

#include "emulator/exec/cpu.h"
#include "emulator/mmu/phys_memory.h"
#include "emulator/x86/cpu_state.h"

namespace dynemu::exec::test {

template <class Bus, uint32_t kRamBytes>
class SystemCpuFixture : public ::testing::TestWithParam<Engine> {
 protected:
  mmu::PhysMemory phys{kRamBytes};
  Bus bus;
  std::unique_ptr<Cpu> cpu;

  void SetUp() override {
    CpuConfig c;
    c.engine = GetParam();
    c.phys = &phys;
    c.bus = &bus;
    auto r = Cpu::create(c);
    ASSERT_TRUE(r) << r.error().message;
    cpu = std::move(r).value();
  }
  x86::CpuState& s() { return cpu->state(); }
  void put(uint32_t addr, std::initializer_list<uint8_t> bytes) {
    std::memcpy(phys.ram() + addr, bytes.begin(), bytes.size());
  }
  void put32(uint32_t addr, uint32_t v) { std::memcpy(phys.ram() + addr, &v, 4); }
  // 32-bit flat protected mode at CPL 0 with paging: GDT at 0x13000, IDT
  // at 0x12000, page directory 0x10000 with one table (0x11000) mapping the
  // first 4 MiB 1:1, stack at 0x9000.
  void paged_mode_at(uint32_t eip) {
    put32(0x13008, 0x0000ffff);
    put32(0x1300c, 0x00cf9a00);  // code
    put32(0x13010, 0x0000ffff);
    put32(0x13014, 0x00cf9200);  // data
    for (uint32_t i = 0; i < 1024; ++i) put32(0x11000 + 4 * i, i << 12 | 3);
    put32(0x10000, 0x11000 | 3);
    x86::CpuState& st = s();
    st.gdtr = {0x13000, 0x17};
    st.idtr = {0x12000, 0x7ff};
    st.seg[x86::kCs] = x86::SegmentCache{0x08, 0, 0xffffffff, 0xc09b};
    for (int r : {x86::kDs, x86::kEs, x86::kSs, x86::kFs, x86::kGs})
      st.seg[r] = x86::SegmentCache{0x10, 0, 0xffffffff, 0xc093};
    st.cr[3] = 0x10000;
    st.cr[0] = 0x80000011;
    st.gpr[x86::kEsp] = 0x9000;
    st.eip = eip;
  }
};

}  // namespace dynemu::exec::test
