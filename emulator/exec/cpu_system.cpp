// The system-mode CPU loop: code fetch through the MMU, blocks keyed by
// physical address, interrupts at block boundaries, exceptions delivered
// through the IVT/IDT (x86::deliver_event), HLT and triple faults.
#include <cstddef>
#include <cstdio>
#include <vector>

#include "emulator/exec/cpu_impl.h"
#include "emulator/x86/helpers.h"

namespace dynemu::exec {

namespace {

constexpr uint32_t kPageMask = ~0xfffu;

// A direct link from `from` to `to` that no TLB flush can make stale: the
// target lies in the same linear page as the source, whose mapping was
// checked when the chain was entered (a flush only happens in helpers of
// blocks that are never chained from, so none happens inside a chain), and
// does not run into a second page (whose mapping only lookups check).
bool stable_link(const CachedBlock& from, const CachedBlock& to) {
  return (from.key.linear() >> 12) == (to.key.linear() >> 12) && to.page2_linear == 0;
}

// INT3 and INTO leave through RaiseTrap with EIP after the instruction.
x86::EventKind kind_of_exception(uint8_t vector) {
  return vector == 3 || vector == 4 ? x86::EventKind::SoftwareTrap : x86::EventKind::Exception;
}

}  // namespace

void Cpu::Impl::init_system() {
  mmu = std::make_unique<mmu::Mmu>(*config.phys, state);
  mmu->set_code_pages(cache.code_pages());
  env.guest_base = nullptr;
  env.memory = mmu.get();
  env.tlb = mmu->tlb();
  bus_proxy.self = this;
  env.bus = &bus_proxy;
  env.log_int = config.log.has(LogItem::Int);
  config.phys->on_write = [this](uint32_t phys, uint32_t len) { on_phys_write(this, phys, len); };
  seen_flushes = mmu->flush_count();
}

void Cpu::Impl::reset_system() {
  halted = false;
  mmu->flush_tlb(true);
  cache.unchain_all();
}

void Cpu::Impl::on_phys_write(Impl* self, uint32_t phys, uint32_t len) {
  const uint32_t last = phys + len - 1;
  if (!self->cache.is_code_page(phys >> 12) && !self->cache.is_code_page(last >> 12)) return;
  if (on_code_write(self, phys, len)) self->env.block_invalidated = true;
}

uint32_t Cpu::Impl::BusProxy::io_read(uint16_t port, unsigned size) {
  return self->config.bus->io_read(port, size);
}

void Cpu::Impl::BusProxy::io_write(uint16_t port, unsigned size, uint32_t value) {
  self->config.bus->io_write(port, size, value);
  // The write may have remapped memory (PAM, A20, a BAR) or raised an IRQ
  // the guest unmasked: leave the block at the next instruction so the
  // loop flushes the TLB / takes the interrupt.
  if (self->config.phys->generation() != self->mmu_generation_seen() || self->interrupt_pending())
    self->env.block_invalidated = true;
}

bool Cpu::Impl::deliver(uint8_t vector, x86::EventKind kind, uint32_t error_code) {
  env.raised = false;
  const bool ok = x86::deliver_event(env, vector, kind, error_code);
  env.raised = false;
  return ok;
}

uint32_t Cpu::Impl::fetch_system(uint32_t addr, uint8_t* out, uint32_t len, bool user) {
  uint32_t done = 0;
  while (done < len) {
    const uint32_t a = addr + done;
    const uint32_t chunk = std::min(len - done, 4096 - (a & 0xfff));
    uint32_t phys = 0, error = 0;
    if (!mmu->translate(a, mmu::Access::Exec, user, phys, error)) {
      fetch_fault = {true, a, error};
      break;
    }
    config.phys->read(phys, out + done, chunk);
    done += chunk;
  }
  return done;
}

CachedBlock* Cpu::Impl::translate_system(const BlockKey& key) {
  const bool user = ir::mode_cpl(key.mode) == 3;
  fetch_fault = {};
  x86::TranslateRequest req;
  req.fetch = [this, user](uint32_t addr, uint8_t* out, uint32_t len) {
    return fetch_system(addr, out, len, user);
  };
  std::unique_ptr<CachedBlock> block = make_block(key, req);
  if (block->ir.guest_bytes == 0) return nullptr;  // the first instruction cannot be fetched
  const uint32_t linear = key.linear();
  const uint32_t first_len = std::min(block->ir.guest_bytes, 4096 - (linear & 0xfff));
  block->ranges[0] = {key.phys, first_len};
  block->num_ranges = 1;
  if (first_len < block->ir.guest_bytes) {
    // The last instruction runs into the next page (it was fetched, so it translates).
    const uint32_t page2 = (linear + first_len) & kPageMask;
    uint32_t phys2 = 0, error = 0;
    if (!mmu->translate(page2, mmu::Access::Exec, user, phys2, error)) return nullptr;
    block->page2_linear = page2;
    block->page2_phys = phys2 & kPageMask;
    block->ranges[1] = {block->page2_phys, block->ir.guest_bytes - first_len};
    block->num_ranges = 2;
  }
  // Stores into these pages must take the slow path from now on.
  for (uint32_t r = 0; r < block->num_ranges; ++r) {
    const uint32_t page = block->ranges[r].start >> 12;
    if (!cache.is_code_page(page)) mmu->protect_code_page(page);
  }
  return cache.insert(std::move(block));
}

CachedBlock* Cpu::Impl::find_system_block(bool& shutdown) {
  const uint32_t mode = x86::system_block_mode(state);
  const bool user = ir::mode_cpl(mode) == 3;
  const uint32_t linear = state.seg[x86::kCs].base + state.eip;
  uint32_t phys = 0, error = 0;
  if (!mmu->translate_code(linear, user, phys, error)) {
    state.cr[2] = linear;
    shutdown = !deliver(14, x86::EventKind::Exception, error);
    return nullptr;
  }
  const BlockKey key{state.eip, state.seg[x86::kCs].base, mode, phys};
  cache.collect();  // nothing runs now: dropped blocks can go
  CachedBlock* block = cache.find(key);
  if (block && block->page2_linear) {
    // Its second page must still be fetchable and map to the same code.
    uint32_t phys2 = 0;
    if (!mmu->translate_code(block->page2_linear, user, phys2, error) ||
        (phys2 & kPageMask) != block->page2_phys)
      block = nullptr;
  }
  if (!block) block = translate_system(key);
  if (!block) {
    // The first instruction runs into a page it may not fetch: #PF there.
    state.cr[2] = fetch_fault.addr;
    shutdown = !deliver(14, x86::EventKind::Exception, fetch_fault.error);
  }
  return block;
}

CpuExit Cpu::Impl::run_system() {
  ChainFrom prev;
  const bool log_exec = config.log.has(LogItem::Exec);
  for (;;) {
    if (exit_requested.load(std::memory_order_relaxed)) {
      exit_requested.store(false, std::memory_order_relaxed);
      return CpuExit{ExitKind::Request};
    }
    // The physical map changed: other bytes may be behind the same addresses.
    if (mmu->sync()) {
      cache.drop_all();
      prev = {};
    }
    // A TLB flush may have changed what linear code addresses mean: links
    // that depend on a mapping (see stable_link) must go.
    if (mmu->flush_count() != seen_flushes) {
      seen_flushes = mmu->flush_count();
      cache.unlink_cross_page_chains();
      ++stats.code_tlb_flushes;
    }
    if (interrupt_pending()) {
      const int vector = config.bus->interrupt_acknowledge();
      if (vector >= 0) {
        halted = false;
        ++stats.interrupts;
        if (!deliver(static_cast<uint8_t>(vector), x86::EventKind::External, 0))
          return CpuExit{ExitKind::Shutdown};
        prev = {};
        continue;
      }
    }
    if (halted) return CpuExit{ExitKind::Halt};
    state.int_shadow = 0;

    CachedBlock* block = nullptr;
    if (prev.block && prev.block->succ_epoch[prev.slot] == cache.epoch() &&
        prev.block->succ[prev.slot] && prev.block->keeps_mode) {
      block = prev.block->succ[prev.slot];
      ++stats.chained;
    } else {
      bool shutdown = false;
      block = find_system_block(shutdown);
      if (shutdown) return CpuExit{ExitKind::Shutdown};
      if (!block) {
        prev = {};
        continue;
      }
      if (prev.block && stable_link(*prev.block, *block)) {
        prev.block->succ[prev.slot] = block;
        prev.block->succ_epoch[prev.slot] = cache.epoch();
      }
    }
    if (prev.block && config.engine == Engine::Jit && !log_exec)
      link_jit_chain(prev.block, prev.slot, block, !stable_link(*prev.block, *block));

    const interp::BlockExit exit = run_block(block, prev);
    switch (exit.kind) {
      case interp::ExitKind::Direct: continue;
      case interp::ExitKind::Indirect: ++stats.indirect_exits; continue;
      case interp::ExitKind::Stopped: continue;
      case interp::ExitKind::Exception: {
        ++stats.exceptions;
        const uint8_t vector = env.vector;
        if (vector == 14) state.cr[2] = env.fault_addr;
        if (!deliver(vector, kind_of_exception(vector), env.error_code))
          return CpuExit{ExitKind::Shutdown};
        continue;
      }
      case interp::ExitKind::Syscall:
        // INT 0x80 where the translator kept the user-mode form: a software interrupt.
        if (!deliver(0x80, x86::EventKind::SoftwareInt, 0)) return CpuExit{ExitKind::Shutdown};
        continue;
      case interp::ExitKind::Halt:
        halted = true;
        // HLT ran: an interrupt shadow (STI; HLT, chained) is over.
        state.int_shadow = 0;
        continue;
    }
  }
}

}  // namespace dynemu::exec
