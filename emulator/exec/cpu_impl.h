#pragma once

// The implementation of exec::Cpu, shared by the user-mode loop (cpu.cpp)
// and the system-mode loop (cpu_system.cpp).
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "emulator/backend/x64/disasm.h"
#include "emulator/exec/block_cache.h"
#include "emulator/exec/compare.h"
#include "emulator/exec/cpu.h"
#include "emulator/exec/host_fault.h"
#include "emulator/exec/perf_map.h"
#include "emulator/interp/interpreter.h"
#include "emulator/ir/system_bus.h"
#include "emulator/mmu/mmu.h"
#include "emulator/x86/system/events.h"
#include "emulator/x86/system/mode_bits.h"

namespace dynemu::exec {

struct Cpu::Impl {
  explicit Impl(const CpuConfig& c)
      : config(c),
        cache_owner(c.shared_cache ? c.shared_cache : std::make_shared<BlockCache>()),
        cache(*cache_owner) {
    trap.guest_base = c.guest_base;
    env.state = &state;
    if (c.phys) init_system();
    env.guest_base = c.guest_base;
    env.code_pages = cache.code_pages();
    env.on_code_write = &Impl::on_code_write;
    env.owner = this;
    trap.env = &env;
    // User mode with code pages write-protected on the host (see
    // BlockCache::on_code_page): stores need no check, a write faults.
    if (cache.on_code_page) env.code_pages = nullptr;
    if (!config.translate) config.translate = x86::translate_block;
    if (config.engine != Engine::Interp && !cache.jit)
      cache.jit = std::make_unique<backend::x64::Jit>(config.jit_cache_bytes);
    // Lazy EIP: the host fault handler finds the faulting instruction.
    trap.jit = cache.jit.get();
    trap.state = &state;
  }

  // Runs one block on the configured engine.
  interp::BlockExit execute(CachedBlock* block) {
    switch (config.engine) {
      case Engine::Interp: break;
      case Engine::Jit: {
        temps[0] = reinterpret_cast<uint64_t>(block);  // the running block (chains update it)
        trap.running_tag = temps.data();
        if (const backend::x64::BlockFn fn = jit_code(block)) {
          // A compile may have flushed the code memory: drop stale links.
          if (cache.jit_links_stale()) cache.unlink_jit_chains();
          // Indirect exits may enter this block from now on (not with -d
          // exec, which logs every block the loop runs).
          if (!config.log.has(LogItem::Exec)) cache.publish_jit_body(block, kMinTemps);
          return backend::x64::Jit::run(fn, env, temps.data() + kJitTempsOffset);
        }
        return interp::run(block->program, env, temps.data() + kJitTempsOffset);
      }
      case Engine::Compare: return compare_block(*block, *cache.jit, env, temps, cache.compare_log);
    }
    return interp::run(block->program, env, temps.data());
  }

  // Host chaining: direct exit `slot` of `from` jumps straight into `to`'s
  // code from now on (until a flush or invalidation unlinks all). Only from
  // blocks that keep the key's mode, whose direct exits always lead to the
  // same block (as the software chaining in run()).
  // System mode: `cross` links (to another linear page, or to a block
  // running into a second page) depend on the page mapping and are dropped
  // on TLB flushes (BlockCache::unlink_cross_page_chains).
  void link_jit_chain(CachedBlock* from, uint32_t slot, CachedBlock* to, bool cross = false) {
    if (!from->keeps_mode || !jit_code(to)) return;
    if (cache.jit_links_stale()) cache.unlink_jit_chains();
    if (from->jit_epoch != cache.jit->epoch() || !from->jit_code || !to->jit_body) return;
    if (from->jit_chain[slot]) return;
    cache.link_jit_exit(from, slot, to->jit_body, cross);
    ++stats.jit_links;
  }

  // The block's host code, compiled on first use and again after a flush
  // of the JIT's code memory (its epoch changed). Null: interpret it.
  backend::x64::BlockFn jit_code(CachedBlock* block) {
    backend::x64::Jit& jit = *cache.jit;
    if (block->jit_epoch != jit.epoch()) {
      if (!block->jit_chain) {
        block->jit_chain = std::make_unique<uint64_t[]>(block->ir.num_direct_exits + 1);
      } else {
        // Relinked later if still valid (its slots were unlinked with the flush).
        for (uint32_t k = 0; k < block->ir.num_direct_exits; ++k) block->jit_chain[k] = 0;
      }
      // A block that keeps CS base and mode looks up the successor of its
      // indirect exit inline (same key but EIP, and in system mode phys).
      backend::x64::IndirectLookup indirect;
      if (block->keeps_mode) indirect = cache.indirect_lookup(block->key.cs_base, block->key.mode);
      auto c = jit.compile_chained(block->ir, reinterpret_cast<uint64_t>(block), indirect);
      block->jit_exits = std::move(c.exits);
      block->jit_code = c.fn;
      // Its code is in two parts (hot and cold regions of the cache).
      if (perf_map.enabled() && c.fn) {
        perf_map.add(c.hot.start, c.hot.size, block->key.eip, block->key.phys);
        perf_map.add(c.cold.start, c.cold.size, block->key.eip, block->key.phys);
      }
      if (config.log.has(LogItem::OutAsm) && c.fn)
        backend::x64::log_host_code(c.hot.start, c.hot.size, c.cold.start, c.cold.size,
                                    block->key.eip);
      block->jit_body = c.body;
      block->jit_epoch = jit.epoch();
      ++(block->jit_code ? stats.jit_compiled : stats.jit_fallbacks);
    }
    return block->jit_code;
  }

  CpuExit run();
  // User mode: a write into code stopped the block that it rewrote
  // (HostFaultTrap::smc_restart); the writing instruction runs next, alone
  // and uncached, so its page stays writable (smc_single.cpp).
  bool smc_single_step = false;
  std::unique_ptr<CachedBlock> smc_single_block;
  interp::BlockExit run_smc_single_insn();
  // The loop's exit for a block exit that ends run(), if any.
  std::optional<CpuExit> loop_exit(const interp::BlockExit& exit) const;
  // The direct exit the loop's last block left through (software
  // chaining: its successor may skip the lookup), or none.
  struct ChainFrom {
    CachedBlock* block = nullptr;
    uint32_t slot = 0;
  };
  // Runs `block` for the loop (both modes) and returns its exit, which is
  // the last block's when chained jumps ran further blocks (`block`
  // becomes that one). `prev` is set to it on a direct exit of a block
  // still cached, else cleared.
  interp::BlockExit run_block(CachedBlock*& block, ChainFrom& prev);
  CachedBlock* translate(const BlockKey& key);
  // Translates, verifies, optimizes and compiles a block (not cached yet).
  std::unique_ptr<CachedBlock> make_block(const BlockKey& key, x86::TranslateRequest& req);

  // System mode (cpu_system.cpp).
  void init_system();
  void reset_system();
  CpuExit run_system();
  // The block at CS:EIP (translating it if needed), or null after
  // delivering a #PF of the code fetch (then `shutdown` tells a triple fault).
  CachedBlock* find_system_block(bool& shutdown);
  CachedBlock* translate_system(const BlockKey& key);
  uint32_t fetch_system(uint32_t addr, uint8_t* out, uint32_t len, bool user);
  // Delivers an event through the IVT/IDT; false: triple fault.
  bool deliver(uint8_t vector, x86::EventKind kind, uint32_t error_code);
  bool interrupt_pending() const {
    return irq_level.load(std::memory_order_relaxed) && (state.eflags & x86::kIF) &&
           !state.int_shadow;
  }
  static void on_phys_write(Impl* self, uint32_t phys, uint32_t len);
  uint64_t mmu_generation_seen() const { return mmu->generation_seen(); }
  // The last code fetch that failed while translating (system mode).
  struct FetchFault {
    bool faulted = false;
    uint32_t addr = 0, error = 0;
  } fetch_fault;
  uint32_t fetch(uint32_t addr, uint8_t* out, uint32_t len);
  void print_stats() const;

  // Engine::Jit: temps[0] is the running block (compiled code writes its
  // tag there); compiled code sees temps from temps[1].
  static constexpr size_t kJitTempsOffset = 1;

  const CachedBlock* running_block() const {
    if (config.engine == Engine::Jit && running)
      return reinterpret_cast<const CachedBlock*>(temps[0]);
    return running;
  }

  static bool on_code_write(void* owner, uint32_t addr, uint32_t len) {
    auto* self = static_cast<Impl*>(owner);
    const bool hit = self->cache.invalidate(addr, len, self->running_block());
    // Dropped blocks may be chain targets: unlink before any jump follows.
    if (self->cache.jit_links_stale()) self->cache.unlink_jit_chains();
    self->stats.invalidations += hit;
    return hit;
  }

  CpuConfig config;
  PerfMap perf_map{config.log};
  x86::CpuState state;
  ir::GuestEnv env;
  std::shared_ptr<BlockCache> cache_owner;
  BlockCache& cache;
  HostFaultTrap trap;
  // Every Impl starts with kMinTemps temps (+ kJitTempsOffset) and only grows them.
  static constexpr size_t kMinTemps = 254;
  std::vector<uint64_t> temps = std::vector<uint64_t>(kMinTemps + kJitTempsOffset);
  std::atomic<bool> exit_requested{false};
  std::atomic<bool> irq_level{false};
  CpuStats stats;
  // The block being executed (for SMC: did a store hit it?), and the last
  // one left through a direct exit (for software chaining).
  CachedBlock* running = nullptr;

  // System mode.
  std::unique_ptr<mmu::Mmu> mmu;
  bool halted = false;
  uint64_t seen_flushes = 0;  // Mmu::flush_count() when the block links were last valid
  // Forwards I/O to the board's bus; a port write that changed the memory
  // map (PAM, A20, BARs) flushes the TLB and ends the running block.
  struct BusProxy final : ir::SystemBus {
    Impl* self = nullptr;
    uint32_t io_read(uint16_t port, unsigned size) override;
    void io_write(uint16_t port, unsigned size, uint32_t value) override;
    int interrupt_acknowledge() override { return self->config.bus->interrupt_acknowledge(); }
  } bus_proxy;
};

}  // namespace dynemu::exec
