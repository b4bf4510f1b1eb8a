#include "emulator/mmu/mmu.h"

#include <cstring>

namespace dynemu::mmu {

namespace {

constexpr uint32_t kPageMask = ~0xfffu;

uint32_t tlb_index(uint32_t linear) {
  return (linear >> 12) & (ir::kTlbEntries - 1);
}

// The tag of `e` for an access kind.
uint32_t& tag_of(ir::TlbEntry& e, Access access) {
  switch (access) {
    case Access::Read: return e.read;
    case Access::Write: return e.write;
    case Access::Exec: break;
  }
  return e.exec;
}

void invalidate(ir::TlbEntry& e) {
  e.read = e.write = e.exec = ir::kTlbInvalid;
  e.flags = 0;
}

}  // namespace

Mmu::Mmu(PhysMemory& phys, x86::CpuState& state) : m_phys(phys), m_state(state) {
  m_generation = phys.generation();
}

bool Mmu::resync() {
  m_generation = m_phys.generation();
  flush_tlb(true);
  return true;
}

void Mmu::flush_tlb(bool global_too) {
  // Only the entries filled since the last flush can be valid; kept
  // (global) ones stay listed.
  size_t kept = 0;
  for (uint16_t slot : m_filled) {
    ir::TlbEntry& e = (&m_tlb[0][0])[slot];
    if (!global_too && (e.flags & kTlbGlobal) && e.read != ir::kTlbInvalid) {
      m_filled[kept++] = slot;
    } else {
      invalidate(e);
      m_listed.reset(slot);
    }
  }
  m_filled.resize(kept);
  // Global large entries may survive: keep their regions marked.
  if (global_too) m_large_regions.reset();
  ++m_flush_count;
  m_evicted_code.clear();
  m_evicted_overflow = false;
}

void Mmu::note_evicted_code(uint32_t page) {
  if (m_evicted_code.size() >= kMaxEvictedCode)
    m_evicted_overflow = true;
  else
    m_evicted_code.push_back(page);
}

bool Mmu::evicted_code_in(uint32_t page, uint32_t mask) const {
  if (m_evicted_overflow) return true;
  for (uint32_t p : m_evicted_code)
    if ((p & mask) == (page & mask)) return true;
  return false;
}

void Mmu::flush_tlb_page(uint32_t linear) {
  const uint32_t page = linear & kPageMask;
  // A fetch entry of this page evicted since the last flush may still back
  // a block link (the CPU loop drops those when flush_count moves).
  bool was_code = evicted_code_in(page, kPageMask);
  for (auto& set : m_tlb) {
    ir::TlbEntry& e = set[tlb_index(linear)];
    if ((e.read & kPageMask) == page && e.read != ir::kTlbInvalid) {
      was_code |= e.exec != ir::kTlbInvalid;
      invalidate(e);
    }
  }
  // INVLPG in a 4 MiB page drops all of that page's 4 KiB entries.
  if (!m_large_regions.test(linear >> 22)) {
    if (was_code) ++m_flush_count;
    return;
  }
  m_large_regions.reset(linear >> 22);
  was_code |= evicted_code_in(page, 0xffc00000u);
  // Only listed entries can be valid (invalid ones stay listed until the next flush).
  for (uint16_t slot : m_filled) {
    ir::TlbEntry& e = (&m_tlb[0][0])[slot];
    if ((e.flags & kTlbLarge) && e.read != ir::kTlbInvalid && (e.read >> 22) == (linear >> 22)) {
      was_code |= e.exec != ir::kTlbInvalid;
      invalidate(e);
    }
  }
  if (was_code) ++m_flush_count;
}

void Mmu::protect_code_page(uint32_t phys_page) {
  for (uint16_t slot : m_filled) {
    ir::TlbEntry& e = (&m_tlb[0][0])[slot];
    if (e.write != ir::kTlbInvalid && (e.phys >> 12) == phys_page) e.write |= ir::kTlbSlow;
  }
}

uint32_t Mmu::read_phys32(uint32_t phys) {
  uint32_t v = 0;
  m_phys.read(phys, &v, 4);
  return v;
}

void Mmu::write_phys32(uint32_t phys, uint32_t value) {
  // Page tables may share a page with code: PhysMemory::write reports it.
  m_phys.write(phys, &value, 4);
}

bool Mmu::walk(uint32_t linear, bool is_write, bool user, ir::TlbEntry& out, uint32_t& error) {
  const uint32_t cr0 = m_state.cr[0], cr4 = m_state.cr[4];
  const uint32_t a20 = m_phys.a20_mask();
  uint32_t phys = 0;
  bool can_write = true, global = false, large = false;
  if (!(cr0 & kCr0Pg)) {
    phys = linear & kPageMask;
  } else {
    const uint32_t err = (is_write ? kPfWrite : 0) | (user ? kPfUser : 0);
    const uint32_t pde_addr = ((m_state.cr[3] & kPageMask) | ((linear >> 22) << 2)) & a20;
    uint32_t pde = read_phys32(pde_addr);
    if (!(pde & kPteP)) {
      error = err;
      return false;
    }
    large = (cr4 & kCr4Pse) && (pde & kPtePs);
    uint32_t pte_addr = 0, pte = 0, rights = pde;
    if (!large) {
      pte_addr = ((pde & kPageMask) | (((linear >> 12) & 0x3ff) << 2)) & a20;
      pte = read_phys32(pte_addr);
      if (!(pte & kPteP)) {
        error = err;
        return false;
      }
      rights = pde & pte;  // U/S and R/W must allow it at both levels
    }
    if (user && !(rights & kPteUs)) {
      error = err | kPfPresent;
      return false;
    }
    // Supervisor writes ignore R/W unless CR0.WP.
    const bool writable = (rights & kPteRw) || (!user && !(cr0 & kCr0Wp));
    if (is_write && !writable) {
      error = err | kPfPresent;
      return false;
    }
    // Accessed (and dirty on a write) bits, written back to the tables.
    bool dirty;
    if (large) {
      const uint32_t want = pde | kPteA | (is_write ? kPteD : 0);
      if (want != pde) write_phys32(pde_addr, pde = want);
      dirty = pde & kPteD;
      phys = (pde & 0xffc00000u) | (linear & 0x3ff000u);
      global = pde & kPteG;
    } else {
      if (!(pde & kPteA)) write_phys32(pde_addr, pde | kPteA);
      const uint32_t want = pte | kPteA | (is_write ? kPteD : 0);
      if (want != pte) write_phys32(pte_addr, pte = want);
      dirty = pte & kPteD;
      phys = pte & kPageMask;
      global = pte & kPteG;
    }
    global = global && (cr4 & kCr4Pge);
    // A clean page gets no write entry: the first write walks again and sets D.
    can_write = writable && dirty;
  }
  phys &= a20;
  const uint32_t page = linear & kPageMask;
  const PhysPage& pg = m_phys.page(phys);
  uint8_t* host = pg.read ? pg.read : pg.write;
  out.phys = phys;
  out.addend = host ? reinterpret_cast<uintptr_t>(host) - page : 0;
  out.read = pg.read ? page : page | ir::kTlbSlow;
  out.exec = ir::kTlbInvalid;  // set by lookup() for fetches (INVLPG tells code pages by it)
  if (!can_write)
    out.write = ir::kTlbInvalid;
  else if (pg.write && pg.write == host && !is_code_page(phys >> 12))
    out.write = page;
  else
    out.write = page | ir::kTlbSlow;
  out.flags = (global ? kTlbGlobal : 0) | (large ? kTlbLarge : 0);
  return true;
}

ir::TlbEntry* Mmu::lookup(uint32_t linear, Access access, bool user, uint32_t& error) {
  ir::TlbEntry& e = m_tlb[user ? 1 : 0][tlb_index(linear)];
  const uint32_t page = linear & kPageMask;
  if ((tag_of(e, access) & ~ir::kTlbSlow) == page) return &e;
  // i386 without NX: fetching needs what reading needs, so a read entry
  // serves fetches too (and the other way round).
  if (access == Access::Exec && (e.read & ~ir::kTlbSlow) == page) {
    e.exec = e.read;
    return &e;
  }
  if (access == Access::Read && (e.exec & ~ir::kTlbSlow) == page) {
    e.read = e.exec;
    return &e;
  }
  const bool was_code = (e.exec & ~ir::kTlbSlow) == page;
  ir::TlbEntry fresh;
  if (!walk(linear, access == Access::Write, user, fresh, error)) return nullptr;
  if (access == Access::Exec || was_code) fresh.exec = fresh.read;
  if (fresh.flags & kTlbLarge) m_large_regions.set(linear >> 22);
  if (e.exec != ir::kTlbInvalid && !was_code) note_evicted_code(e.exec & kPageMask);
  e = fresh;
  const auto slot = static_cast<uint16_t>(&e - &m_tlb[0][0]);
  if (!m_listed.test(slot)) {
    m_listed.set(slot);
    m_filled.push_back(slot);
  }
  return &e;
}

bool Mmu::translate(uint32_t linear, Access access, bool user, uint32_t& phys, uint32_t& error) {
  const ir::TlbEntry* e = lookup(linear, access, user, error);
  if (!e) return false;
  phys = e->phys | (linear & 0xfff);
  return true;
}

void Mmu::read_page(const ir::TlbEntry& e, uint32_t linear, void* out, uint32_t len) {
  if (!(e.read & ir::kTlbSlow)) {
    std::memcpy(out, reinterpret_cast<const uint8_t*>(e.addend + linear), len);
    return;
  }
  m_phys.read(e.phys | (linear & 0xfff), out, len);  // MMIO, unassigned
}

void Mmu::write_page(ir::GuestEnv& env, const ir::TlbEntry& e, uint32_t linear, const void* in,
                     uint32_t len) {
  const uint32_t phys = e.phys | (linear & 0xfff);
  if (!(e.write & ir::kTlbSlow)) {
    std::memcpy(reinterpret_cast<uint8_t*>(e.addend + linear), in, len);
    return;
  }
  const PhysPage& pg = m_phys.page(e.phys);
  if (pg.write) {
    std::memcpy(pg.write + (linear & 0xfff), in, len);
    env.note_store(phys, len);  // the page may hold translated code
  } else if (pg.mmio) {
    m_phys.write(phys, in, len);
  }
  // ROM, unassigned: dropped.
}

uint64_t Mmu::load(ir::GuestEnv& env, uint32_t linear, unsigned size, bool user) {
  uint64_t v = 0;
  read(env, linear, &v, size, user);
  return v;
}

void Mmu::store(ir::GuestEnv& env, uint32_t linear, unsigned size, uint64_t value, bool user) {
  write(env, linear, &value, size, user);
}

bool Mmu::read(ir::GuestEnv& env, uint32_t linear, void* out, uint32_t len, bool user) {
  auto* dst = static_cast<uint8_t*>(out);
  while (len) {
    const uint32_t chunk = std::min(len, 0x1000 - (linear & 0xfff));
    uint32_t error = 0;
    const ir::TlbEntry* e = lookup(linear, Access::Read, user, error);
    if (!e) {
      env.raise(14, error, linear);
      return false;
    }
    read_page(*e, linear, dst, chunk);
    dst += chunk;
    linear += chunk;
    len -= chunk;
  }
  return true;
}

bool Mmu::write(ir::GuestEnv& env, uint32_t linear, const void* in, uint32_t len, bool user) {
  // Every page must be writable before any byte is written: a fault leaves
  // memory untouched, so the instruction restarts cleanly.
  uint32_t a = linear, left = len;
  while (left) {
    const uint32_t chunk = std::min(left, 0x1000 - (a & 0xfff));
    uint32_t error = 0;
    if (!lookup(a, Access::Write, user, error)) {
      env.raise(14, error, a);
      return false;
    }
    a += chunk;
    left -= chunk;
  }
  const auto* src = static_cast<const uint8_t*>(in);
  while (len) {
    const uint32_t chunk = std::min(len, 0x1000 - (linear & 0xfff));
    uint32_t error = 0;
    // Refilled if a two-page write evicted it (same TLB slot): cannot fault now.
    const ir::TlbEntry* e = lookup(linear, Access::Write, user, error);
    if (!e) {
      env.raise(14, error, linear);
      return false;
    }
    write_page(env, *e, linear, src, chunk);
    src += chunk;
    linear += chunk;
    len -= chunk;
  }
  return true;
}

uint64_t load_slow(ir::GuestEnv* env, uint32_t linear, uint32_t size, uint32_t user) {
  return static_cast<Mmu*>(env->memory)->load(*env, linear, size, user != 0);
}

void store_slow(ir::GuestEnv* env, uint32_t linear, uint64_t value, uint32_t size, uint32_t user) {
  static_cast<Mmu*>(env->memory)->store(*env, linear, size, value, user != 0);
}

}  // namespace dynemu::mmu
