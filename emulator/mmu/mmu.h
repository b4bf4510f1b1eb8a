#pragma once

#include <bitset>
#include <cstdint>
#include <vector>

#include "emulator/ir/helper.h"
#include "emulator/mmu/huge_pages.h"
#include "emulator/mmu/phys_memory.h"
#include "emulator/x86/cpu_state.h"

namespace dynemu::mmu {

// CR0/CR4 bits and page-table entry bits the MMU reads (SDM vol. 3, 4.3).
inline constexpr uint32_t kCr0Wp = 1u << 16;
inline constexpr uint32_t kCr0Pg = 1u << 31;
inline constexpr uint32_t kCr4Pse = 1u << 4;
inline constexpr uint32_t kCr4Pge = 1u << 7;
inline constexpr uint32_t kPteP = 1u << 0, kPteRw = 1u << 1, kPteUs = 1u << 2, kPteA = 1u << 5,
                          kPteD = 1u << 6, kPtePs = 1u << 7, kPteG = 1u << 8;
// #PF error code bits (no I/D bit: i386 without NX leaves bit 4 clear).
inline constexpr uint32_t kPfPresent = 1, kPfWrite = 2, kPfUser = 4;

enum class Access : uint8_t { Read, Write, Exec };

// TlbEntry::flags.
inline constexpr uint32_t kTlbGlobal = 1;  // CR4.PGE and the G bit: kept across CR3 loads
inline constexpr uint32_t kTlbLarge = 2;   // from a 4 MiB page (INVLPG drops all of it)

// The soft MMU of one system-mode CPU: the i386 two-level paging walk
// (4 KiB pages, 4 MiB pages with CR4.PSE), accessed/dirty bits, U/S and R/W
// with CR0.WP, the soft TLB GuestEnv::tlb points to (two sets: supervisor
// and user), and the slow paths of guest loads and stores (MMIO, ROM,
// unassigned memory, stores to pages holding translated code).
// A fault raises #PF into the GuestEnv (error code and CR2 value in
// fault_addr); the CPU loop sets CR2 and delivers it.
class Mmu final : public ir::SystemMemory {
 public:
  Mmu(PhysMemory& phys, x86::CpuState& state);
  // On huge pages (map_huge): the soft TLB (2 x ir::kTlbEntries entries, 512
  // KiB) is touched sparsely and cold by every guest timer tick, and on 4 KiB
  // pages each entry touched would cost a host TLB miss too.
  static void* operator new(size_t bytes) { return map_huge(bytes); }
  static void operator delete(void* p, size_t bytes) { unmap_huge(p, bytes); }

  ir::TlbEntry* tlb() { return &m_tlb[0][0]; }
  PhysMemory& phys() { return m_phys; }
  // Physical pages holding translated code (1 bit per 4 KiB page; the CPU
  // loop's block cache). Stores there take the slow path and call
  // GuestEnv::note_store with the physical address.
  void set_code_pages(const uint64_t* bitmap) { m_code_pages = bitmap; }
  // A physical page just started to hold code: TLB write entries mapping it
  // must take the slow path from now on.
  void protect_code_page(uint32_t phys_page);

  // Flushes the whole TLB when the physical map changed since the last
  // call (PhysMemory::generation). Returns true if it did.
  bool sync() {
    if (m_generation == m_phys.generation()) return false;
    return resync();
  }
  uint64_t generation_seen() const { return m_generation; }

  // Translates `linear` for an access, filling the TLB. On a fault returns
  // false with the #PF error code in `error` (nothing raised).
  bool translate(uint32_t linear, Access access, bool user, uint32_t& phys, uint32_t& error);
  // translate(linear, Exec, ...) with the TLB hit inline (the CPU loop's
  // block lookup).
  bool translate_code(uint32_t linear, bool user, uint32_t& phys, uint32_t& error) {
    const ir::TlbEntry& e = m_tlb[user ? 1 : 0][(linear >> 12) & (ir::kTlbEntries - 1)];
    if ((e.exec & ~ir::kTlbSlow) == (linear & ~0xfffu)) {
      phys = e.phys | (linear & 0xfff);
      return true;
    }
    return translate(linear, Access::Exec, user, phys, error);
  }

  // Slow paths of IR loads and stores (size 1, 2, 4, 8). A fault raises
  // into env (load returns 0, store writes nothing).
  uint64_t load(ir::GuestEnv& env, uint32_t linear, unsigned size, bool user);
  void store(ir::GuestEnv& env, uint32_t linear, unsigned size, uint64_t value, bool user);

  // ir::SystemMemory
  bool read(ir::GuestEnv& env, uint32_t linear, void* out, uint32_t len, bool user) override;
  bool write(ir::GuestEnv& env, uint32_t linear, const void* in, uint32_t len, bool user) override;
  void flush_tlb(bool global_too) override;
  void flush_tlb_page(uint32_t linear) override;

  // Bumped by every flush that may change what a linear code address maps
  // to (the CPU loop then drops its block chaining).
  uint64_t flush_count() const { return m_flush_count; }

 private:
  // The entry for `linear` valid for `access` (slow flag allowed), walking
  // and filling on a miss. Null on a fault (error code in `error`).
  ir::TlbEntry* lookup(uint32_t linear, Access access, bool user, uint32_t& error);
  bool resync();
  bool walk(uint32_t linear, bool is_write, bool user, ir::TlbEntry& out, uint32_t& error);
  bool is_code_page(uint32_t phys_page) const {
    return m_code_pages && ((m_code_pages[phys_page >> 6] >> (phys_page & 63)) & 1);
  }
  uint32_t read_phys32(uint32_t phys);
  void write_phys32(uint32_t phys, uint32_t value);
  // Bytes within one page through a valid entry.
  void read_page(const ir::TlbEntry& e, uint32_t linear, void* out, uint32_t len);
  void write_page(ir::GuestEnv& env, const ir::TlbEntry& e, uint32_t linear, const void* in,
                  uint32_t len);

  PhysMemory& m_phys;
  x86::CpuState& m_state;
  ir::TlbEntry m_tlb[2][ir::kTlbEntries];
  const uint64_t* m_code_pages = nullptr;
  uint64_t m_generation = 0;
  uint64_t m_flush_count = 0;
  // Entries (index into m_tlb as one array) filled since they were last
  // invalidated by a flush: flush_tlb and protect_code_page visit only
  // these (a CR3 load flushes the TLB; most of its 2 * ir::kTlbEntries
  // entries are still invalid then). m_listed: which are in m_filled.
  std::vector<uint16_t> m_filled;
  static_assert(2 * ir::kTlbEntries <= 0x10000, "m_filled holds 16-bit slots");
  std::bitset<2 * ir::kTlbEntries> m_listed;
  // Linear pages whose fetch entries were evicted (replaced by another
  // page's) since the last flush: an INVLPG of one must still count as a
  // code flush, as block links into it may remain. Past kMaxEvictedCode
  // entries every INVLPG counts.
  static constexpr size_t kMaxEvictedCode = 256;
  std::vector<uint32_t> m_evicted_code;
  bool m_evicted_overflow = false;
  void note_evicted_code(uint32_t page);
  bool evicted_code_in(uint32_t page, uint32_t mask) const;
  // 4 MiB regions (linear >> 22) with entries from a large page in the TLB:
  // INVLPG scans the TLB for the rest of the large page only there.
  std::bitset<1024> m_large_regions;
};

// Entry points of the engines' slow paths (plain functions for the JIT's
// calls). `user` is the TLB set: the block's CPL is 3.
uint64_t load_slow(ir::GuestEnv* env, uint32_t linear, uint32_t size, uint32_t user);
void store_slow(ir::GuestEnv* env, uint32_t linear, uint64_t value, uint32_t size, uint32_t user);

}  // namespace dynemu::mmu
