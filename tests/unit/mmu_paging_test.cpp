// mmu::Mmu: the i386 paging walk, accessed/dirty bits, protection and #PF
// error codes, the soft TLB (flushes, INVLPG, global pages) and slow paths.
#include "emulator/mmu/mmu.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace dynemu::mmu {
namespace {

constexpr uint32_t kPd = 0x10000;  // page directory
constexpr uint32_t kPt = 0x11000;  // one page table (for linear 0x00400000..0x007fffff)

struct Paging : ::testing::Test {
  PhysMemory phys{8 << 20};
  x86::CpuState state;
  Mmu mmu{phys, state};
  ir::GuestEnv env;

  Paging() {
    env.state = &state;
    env.memory = &mmu;
    env.tlb = mmu.tlb();
    state.cr[0] = 0x11 | kCr0Pg;  // PE, ET, PG
    state.cr[3] = kPd;
    pde(1, kPt | kPteP | kPteRw | kPteUs);
  }
  uint32_t get(uint32_t a) {
    uint32_t v;
    std::memcpy(&v, phys.ram() + a, 4);
    return v;
  }
  void put(uint32_t a, uint32_t v) { std::memcpy(phys.ram() + a, &v, 4); }
  void pde(uint32_t i, uint32_t v) { put(kPd + 4 * i, v); }
  void pte(uint32_t i, uint32_t v) { put(kPt + 4 * i, v); }
  // Linear address of page i of the table at kPt.
  static uint32_t lin(uint32_t i, uint32_t off = 0) { return 0x400000 + i * 0x1000 + off; }

  // Translates, expecting success.
  uint32_t tr(uint32_t linear, Access a = Access::Read, bool user = false) {
    uint32_t p = 0, err = 0;
    EXPECT_TRUE(mmu.translate(linear, a, user, p, err)) << std::hex << linear << " err " << err;
    return p;
  }
  // Translates, expecting a #PF; returns the error code.
  uint32_t fault(uint32_t linear, Access a, bool user) {
    uint32_t p = 0, err = 0xdead;
    EXPECT_FALSE(mmu.translate(linear, a, user, p, err)) << std::hex << linear;
    return err;
  }
};

TEST_F(Paging, NoPagingIsIdentity) {
  state.cr[0] = 0x11;
  EXPECT_EQ(tr(0x12345678), 0x12345678u);
}

TEST_F(Paging, FourKPagesSetAccessedAndDirty) {
  pte(3, 0x200000 | kPteP | kPteRw);
  EXPECT_EQ(tr(lin(3, 0x123)), 0x200123u);
  EXPECT_TRUE(get(kPd + 4) & kPteA);
  EXPECT_EQ(get(kPt + 12), 0x200000u | kPteP | kPteRw | kPteA);  // read: no D
  EXPECT_EQ(tr(lin(3, 0x10), Access::Write), 0x200010u);
  EXPECT_TRUE(get(kPt + 12) & kPteD);
  EXPECT_FALSE(get(kPd + 4) & kPteD);  // D only in the PTE
}

TEST_F(Paging, FourMPagesWithPse) {
  pde(2, 0x400000 | kPteP | kPteRw | kPtePs);  // linear 8 MiB -> phys 4 MiB
  state.cr[4] = kCr4Pse;
  EXPECT_EQ(tr(0x8abcde), 0x4abcdeu);
  EXPECT_EQ(get(kPd + 8) & (kPteA | kPteD), kPteA);
  tr(0x800000, Access::Write);
  EXPECT_TRUE(get(kPd + 8) & kPteD);
}

TEST_F(Paging, PsIgnoredWithoutPse) {
  // Without CR4.PSE the PS bit means nothing: the entry is a page table.
  pde(2, kPt | kPteP | kPteRw | kPtePs);
  pte(5, 0x300000 | kPteP);
  EXPECT_EQ(tr(0x805000), 0x300000u);
}

TEST_F(Paging, NotPresentErrorCodes) {
  pte(4, 0);
  EXPECT_EQ(fault(lin(4), Access::Read, false), 0u);
  EXPECT_EQ(fault(lin(4), Access::Write, false), 2u);
  EXPECT_EQ(fault(lin(4), Access::Read, true), 4u);
  EXPECT_EQ(fault(lin(4), Access::Write, true), 6u);
  EXPECT_EQ(fault(lin(4), Access::Exec, true), 4u);      // no I/D bit on i386
  EXPECT_EQ(fault(0x1000000, Access::Read, false), 0u);  // PDE not present
}

TEST_F(Paging, UserSupervisorAndWriteProtect) {
  pte(1, 0x201000 | kPteP);           // supervisor, read-only
  pte(2, 0x202000 | kPteP | kPteUs);  // user, read-only
  EXPECT_EQ(fault(lin(1), Access::Read, true), 5u);
  EXPECT_EQ(fault(lin(2), Access::Write, true), 7u);
  EXPECT_EQ(tr(lin(2), Access::Read, true), 0x202000u);
  // Supervisor writes to read-only pages: allowed unless CR0.WP.
  EXPECT_EQ(tr(lin(2), Access::Write, false), 0x202000u);
  state.cr[0] |= kCr0Wp;
  mmu.flush_tlb(true);
  EXPECT_EQ(fault(lin(2), Access::Write, false), 3u);
  // A user PTE under a supervisor PDE is a supervisor page.
  pde(1, kPt | kPteP | kPteRw);
  pte(3, 0x203000 | kPteP | kPteRw | kPteUs);
  mmu.flush_tlb(true);
  EXPECT_EQ(fault(lin(3), Access::Read, true), 5u);
}

TEST_F(Paging, TlbKeepsStaleEntriesUntilFlushed) {
  pte(6, 0x206000 | kPteP | kPteRw);
  EXPECT_EQ(tr(lin(6)), 0x206000u);
  pte(6, 0x207000 | kPteP | kPteRw);
  EXPECT_EQ(tr(lin(6)), 0x206000u);  // cached
  mmu.flush_tlb_page(lin(6, 0x80));
  EXPECT_EQ(tr(lin(6)), 0x207000u);
  pte(6, 0x208000 | kPteP | kPteRw);
  mmu.flush_tlb(false);
  EXPECT_EQ(tr(lin(6)), 0x208000u);
}

TEST_F(Paging, GlobalPagesSurviveCr3Flushes) {
  state.cr[4] = kCr4Pge;
  pte(7, 0x209000 | kPteP | kPteG);
  pte(8, 0x20a000 | kPteP | kPteG);
  EXPECT_EQ(tr(lin(7)), 0x209000u);
  EXPECT_EQ(tr(lin(8)), 0x20a000u);
  pte(7, 0x20b000 | kPteP | kPteG);
  pte(8, 0x20c000 | kPteP | kPteG);
  mmu.flush_tlb(false);  // MOV CR3
  EXPECT_EQ(tr(lin(7)), 0x209000u);
  mmu.flush_tlb_page(lin(7));  // INVLPG drops global entries too
  EXPECT_EQ(tr(lin(7)), 0x20b000u);
  EXPECT_EQ(tr(lin(8)), 0x20a000u);
  mmu.flush_tlb(true);  // CR4.PGE toggle
  EXPECT_EQ(tr(lin(8)), 0x20c000u);
}

TEST_F(Paging, OnlyCodePageFlushesCount) {
  // The CPU loop drops its block chaining when flush_count() moves: INVLPG
  // of a page never fetched from leaves it alone.
  pte(20, 0x220000 | kPteP | kPteRw);
  pte(21, 0x221000 | kPteP | kPteRw);
  tr(lin(20));
  tr(lin(21), Access::Exec);
  const uint64_t n = mmu.flush_count();
  mmu.flush_tlb_page(lin(20));
  EXPECT_EQ(mmu.flush_count(), n);
  mmu.flush_tlb_page(lin(21));
  EXPECT_EQ(mmu.flush_count(), n + 1);
  mmu.flush_tlb(false);
  EXPECT_EQ(mmu.flush_count(), n + 2);
}

TEST_F(Paging, InvlpgDropsAWholeLargePage) {
  state.cr[4] = kCr4Pse;
  pde(2, 0x400000 | kPteP | kPteRw | kPtePs);
  EXPECT_EQ(tr(0x801000), 0x401000u);
  pde(2, 0x000000 | kPteP | kPteRw | kPtePs);
  mmu.flush_tlb_page(0x9ff000);
  EXPECT_EQ(tr(0x801000), 0x001000u);
}

TEST_F(Paging, CleanPageWriteWalksAgainForTheDirtyBit) {
  pte(9, 0x209000 | kPteP | kPteRw | kPteUs);
  uint32_t v = 0;
  ASSERT_TRUE(mmu.read(env, lin(9), &v, 4, true));
  EXPECT_FALSE(get(kPt + 36) & kPteD);
  v = 0x1234;
  ASSERT_TRUE(mmu.write(env, lin(9, 4), &v, 4, true));
  EXPECT_TRUE(get(kPt + 36) & kPteD);
  EXPECT_EQ(get(0x209004), 0x1234u);
}

TEST_F(Paging, ReadWriteRaiseIntoEnvAndCrossPages) {
  pte(10, 0x20a000 | kPteP | kPteRw);
  pte(11, 0);
  const uint32_t v = 0xaabbccdd;
  EXPECT_FALSE(mmu.write(env, lin(10, 0xffe), &v, 4, false));
  EXPECT_TRUE(env.raised);
  EXPECT_EQ(env.vector, 14);
  EXPECT_EQ(env.error_code, 2u);
  EXPECT_EQ(env.fault_addr, lin(11));
  EXPECT_EQ(get(0x20affc), 0u);  // nothing written: the instruction restarts
  env.raised = false;
  pte(11, 0x300000 | kPteP | kPteRw);
  ASSERT_TRUE(mmu.write(env, lin(10, 0xffe), &v, 4, false));
  EXPECT_EQ(phys.ram()[0x20afff], 0xcc);
  EXPECT_EQ(phys.ram()[0x300000], 0xbb);
  EXPECT_EQ(mmu.load(env, lin(10, 0xffe), 4, false), v);
}

struct Counter : MmioHandler {
  uint32_t reads = 0, last_offset = 0;
  uint64_t last_write = 0;
  uint64_t mmio_read(uint32_t offset, unsigned) override {
    ++reads;
    last_offset = offset;
    return 0x5a;
  }
  void mmio_write(uint32_t offset, unsigned, uint64_t v) override {
    last_offset = offset;
    last_write = v;
  }
};

TEST_F(Paging, MmioRomAndCodePagesTakeTheSlowPath) {
  Counter dev;
  phys.map_mmio(0xfebf0000, 0x1000, &dev);
  std::vector<uint8_t> rom(0x1000, 0x42);
  phys.map_rom(0xfffff000, rom);
  EXPECT_TRUE(mmu.sync());  // the map changed
  pte(12, 0xfebf0000 | kPteP | kPteRw);
  pte(13, 0xfffff000 | kPteP | kPteRw);
  EXPECT_EQ(mmu.load(env, lin(12, 0x10), 1, false), 0x5au);
  EXPECT_EQ(mmu.load(env, lin(12, 0x10), 1, false), 0x5au);
  EXPECT_EQ(dev.reads, 2u);  // never cached as RAM
  mmu.store(env, lin(12, 0x20), 4, 0x99, false);
  EXPECT_EQ(dev.last_offset, 0x20u);
  EXPECT_EQ(dev.last_write, 0x99u);
  const ir::TlbEntry& e = mmu.tlb()[(lin(12) >> 12) % ir::kTlbEntries];
  EXPECT_EQ(e.read, lin(12) | ir::kTlbSlow);
  mmu.store(env, lin(13), 1, 0x11, false);  // ROM: dropped
  EXPECT_EQ(mmu.load(env, lin(13), 1, false), 0x42u);

  // A store into a page holding code calls note_store with the physical address.
  std::vector<uint64_t> code((1u << 20) / 64, 0);
  mmu.set_code_pages(code.data());
  pte(14, 0x214000 | kPteP | kPteRw);
  mmu.store(env, lin(14), 4, 1, false);  // fills a fast write entry
  const ir::TlbEntry& c = mmu.tlb()[(lin(14) >> 12) % ir::kTlbEntries];
  EXPECT_EQ(c.write, lin(14));
  code[0x214 / 64] |= uint64_t{1} << (0x214 % 64);
  mmu.protect_code_page(0x214);
  EXPECT_EQ(c.write, lin(14) | ir::kTlbSlow);
  struct Seen {
    uint32_t addr = 0, len = 0;
  } seen;
  env.code_pages = code.data();
  env.owner = &seen;
  env.on_code_write = [](void* owner, uint32_t addr, uint32_t len) {
    static_cast<Seen*>(owner)->addr = addr;
    static_cast<Seen*>(owner)->len = len;
    return false;
  };
  mmu.store(env, lin(14, 0x10), 2, 0xbeef, false);
  EXPECT_EQ(seen.addr, 0x214010u);
  EXPECT_EQ(seen.len, 2u);
  EXPECT_EQ(get(0x214010), 0xbeefu);
}

TEST_F(Paging, A20AppliesToWalksAndFlushesOnSync) {
  state.cr[0] = 0x11;
  EXPECT_EQ(tr(0x100010), 0x100010u);
  phys.set_a20(false);
  EXPECT_EQ(tr(0x100010), 0x100010u);  // stale until the CPU syncs
  EXPECT_TRUE(mmu.sync());
  EXPECT_EQ(tr(0x100010), 0x000010u);
  EXPECT_FALSE(mmu.sync());
}

TEST_F(Paging, GuestEnvHelpersUseTheCpl) {
  pte(15, 0x215000 | kPteP | kPteRw);   // supervisor page
  state.seg[x86::kCs].selector = 0x1b;  // CPL 3
  uint32_t v = 0;
  EXPECT_FALSE(env.read(lin(15), &v, 4));
  EXPECT_EQ(env.error_code, 5u);
  env.raised = false;
  EXPECT_TRUE(env.read_sys(lin(15), &v, 4));  // implicit supervisor access
  EXPECT_TRUE(env.write_sys(lin(15), &v, 4));
  state.seg[x86::kCs].selector = 0x08;
  EXPECT_TRUE(env.read(lin(15), &v, 4));
}

}  // namespace
}  // namespace dynemu::mmu
