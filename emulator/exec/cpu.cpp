#include "emulator/exec/cpu.h"

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/exec/cpu_impl.h"
#include "emulator/ir/opt/optimize.h"
#include "emulator/ir/printer.h"
#include "emulator/ir/verifier.h"

namespace dynemu::exec {

namespace {

Result<void> check_engine(const CpuConfig& config) {
  if (config.phys && config.engine == Engine::Compare)
    return Error{"-accel compare runs user mode only"};
  if (config.phys && !config.bus) return Error{"a system-mode CPU needs a SystemBus"};
  switch (config.engine) {
    case Engine::Interp:
    case Engine::Jit:
    case Engine::Compare: return Ok{};
  }
  return Error{"unknown engine"};
}

}  // namespace

std::unique_ptr<CachedBlock> Cpu::Impl::make_block(const BlockKey& key,
                                                   x86::TranslateRequest& req) {
  req.eip = key.eip;
  req.cs_base = key.cs_base;
  req.mode = key.mode;
  req.log = config.log;
  auto block = std::make_unique<CachedBlock>();
  block->key = key;
  block->ir = config.translate(req);
  if (Result<void> ok = ir::verify(block->ir); !ok) {
    // A translator bug, not a guest problem: stop loudly with the evidence.
    std::fprintf(stderr, "dynemu: invalid IR for eip=0x%08x: %s\n%s", key.eip,
                 ok.error().message.c_str(), ir::print_block(block->ir).c_str());
    std::abort();
  }
  if (!(key.mode & ir::kModeSystem) && cache.on_code_page) {
    // User mode, code pages write-protected on the host: no SMC check
    // (and, for the optimizer, no stop point after a store).
    for (ir::Inst& inst : block->ir.insts) {
      switch (inst.op) {
        case ir::Opcode::Store8:
        case ir::Opcode::Store16:
        case ir::Opcode::Store32:
        case ir::Opcode::Store64: inst.aux |= ir::kMemHostProtected; break;
        default: break;
      }
    }
  }
  const bool log_op = config.log.has(LogItem::Op);
  if (log_op) std::fputs(ir::print_block(block->ir).c_str(), stderr);
  if (config.optimize) {
    ir::opt::optimize(block->ir);
    if (Result<void> ok = ir::verify(block->ir); !ok) {
      std::fprintf(stderr, "dynemu: optimizer broke the IR for eip=0x%08x: %s\n%s", key.eip,
                   ok.error().message.c_str(), ir::print_block(block->ir).c_str());
      std::abort();
    }
    if (log_op) {
      std::fputs("optimized:\n", stderr);
      std::fputs(ir::print_block(block->ir).c_str(), stderr);
    }
  }
  if (key.mode & ir::kModeSystem) {
    // Guest memory through the soft MMU, in the TLB set of the block's CPL.
    const uint32_t aux = ir::kMemSoftMmu | (ir::mode_cpl(key.mode) == 3 ? ir::kMemUserTlb : 0u);
    for (ir::Inst& inst : block->ir.insts) {
      switch (inst.op) {
        case ir::Opcode::Load8:
        case ir::Opcode::Load16:
        case ir::Opcode::Load32:
        case ir::Opcode::Load64:
        case ir::Opcode::Store8:
        case ir::Opcode::Store16:
        case ir::Opcode::Store32:
        case ir::Opcode::Store64: inst.aux = aux; break;
        default: break;
      }
    }
  }
  block->program = interp::Program::compile(block->ir);
  if (block->program.num_slots() > temps.size()) temps.resize(block->program.num_slots());
  ++stats.blocks_translated;
  stats.guest_insns_translated += block->ir.num_insns;
  return block;
}

CachedBlock* Cpu::Impl::translate(const BlockKey& key) {
  x86::TranslateRequest req;
  req.fetch = [this](uint32_t addr, uint8_t* out, uint32_t len) { return fetch(addr, out, len); };
  std::unique_ptr<CachedBlock> block = make_block(key, req);
  std::vector<std::pair<uint32_t, uint32_t>> aliases;
  if (config.page_aliases) {
    const uint32_t start = key.linear();
    const uint32_t last = start + std::max<uint32_t>(block->ir.guest_bytes, 1) - 1;
    std::vector<uint32_t> found;
    for (uint32_t p = start >> 12;; p = (p + 1) & 0xfffff) {
      found.clear();
      config.page_aliases(p, found);
      for (uint32_t a : found) aliases.emplace_back(p, a);
      if (p == last >> 12) break;
    }
  }
  return cache.insert(std::move(block), aliases);
}

uint32_t Cpu::Impl::fetch(uint32_t addr, uint8_t* out, uint32_t len) {
  uint32_t done = 0;
  while (done < len) {
    const uint32_t a = addr + done;
    const uint32_t chunk = std::min(len - done, 4096 - (a & 0xfff));
    if (config.code_access && config.code_access(a >> 12) != CodeAccess::Exec) break;
    if (!guarded_copy(trap, out + done, config.guest_base + a, chunk)) break;
    done += chunk;
  }
  return done;
}

CpuExit Cpu::Impl::run() {
  ensure_alt_signal_stack();
  HostFaultTrap*& current = current_trap();
  HostFaultTrap* const outer = current;
  current = &trap;

  // A host fault on a guest access lands here (signal handler, siglongjmp).
  // EIP is already that of the faulting instruction (InsnStart).
  if (sigsetjmp(trap.guest_jmp, 0)) {
    running = nullptr;
    current = outer;
    if (trap.smc_restart) {
      // Not a guest fault: see HostFaultTrap::smc_restart.
      trap.smc_restart = false;
      smc_single_step = true;
      ++stats.smc_restarts;
      return CpuExit{ExitKind::Request};
    }
    ++stats.host_faults;
    CpuExit e;
    e.kind = ExitKind::Exception;
    e.vector = 14;
    e.error_code = trap.error_code;
    e.fault_addr = trap.fault_addr;
    e.host_signal = static_cast<uint8_t>(trap.signal);
    return e;
  }

  ChainFrom prev;
  const bool log_exec = config.log.has(LogItem::Exec);
  for (;;) {
    if (exit_requested.load(std::memory_order_relaxed)) {
      exit_requested.store(false, std::memory_order_relaxed);
      current = outer;
      return CpuExit{ExitKind::Request};
    }
    if (smc_single_step) {
      prev = {};
      if (std::optional<CpuExit> e = loop_exit(run_smc_single_insn())) {
        current = outer;
        return *e;
      }
      continue;
    }
    CachedBlock* block = nullptr;
    // A direct exit of a block that cannot change the key's CS base or
    // mode leads to the same successor every time: no key to compute.
    if (prev.block && prev.block->succ_epoch[prev.slot] == cache.epoch() &&
        prev.block->succ[prev.slot] && prev.block->keeps_mode) {
      block = prev.block->succ[prev.slot];
      ++stats.chained;
    } else {
      const BlockKey key{state.eip, state.seg[x86::kCs].base, x86::user_block_mode(state)};
      cache.collect();  // nothing runs now: dropped blocks can go
      block = cache.find(key);
      if (!block) {
        // No execute right on the first byte: fault before translating.
        const uint32_t linear = key.linear();
        if (config.code_access) {
          const CodeAccess access = config.code_access(linear >> 12);
          if (access != CodeAccess::Exec) {
            current = outer;
            CpuExit e;
            e.kind = ExitKind::Exception;
            e.vector = 14;
            e.error_code = access == CodeAccess::NoExec ? 0x15 : 0x14;
            e.fault_addr = linear;
            return e;
          }
        }
        block = translate(key);
      }
      if (prev.block) {
        prev.block->succ[prev.slot] = block;
        prev.block->succ_epoch[prev.slot] = cache.epoch();
      }
    }
    if (prev.block && config.engine == Engine::Jit && !log_exec)
      link_jit_chain(prev.block, prev.slot, block);

    if (std::optional<CpuExit> e = loop_exit(run_block(block, prev))) {
      current = outer;
      return *e;
    }
  }
}

// Defined here, next to the loop, so that the compiler can inline it there.
std::optional<CpuExit> Cpu::Impl::loop_exit(const interp::BlockExit& exit) const {
  switch (exit.kind) {
    case interp::ExitKind::Direct:
    case interp::ExitKind::Indirect:
    case interp::ExitKind::Stopped: return std::nullopt;
    case interp::ExitKind::Exception: {
      CpuExit e;
      e.kind = ExitKind::Exception;
      e.vector = env.vector;
      e.error_code = env.error_code;
      e.fault_addr = env.fault_addr;
      return e;
    }
    case interp::ExitKind::Syscall: return CpuExit{ExitKind::Syscall};
    case interp::ExitKind::Halt: return CpuExit{ExitKind::Halt};
  }
  return std::nullopt;
}

interp::BlockExit Cpu::Impl::run_block(CachedBlock*& block, ChainFrom& prev) {
  if (config.log.has(LogItem::Exec)) {
    if (mmu)
      std::fprintf(stderr, "exec: eip=0x%08x cs_base=0x%08x phys=0x%08x insns=%u\n", block->key.eip,
                   block->key.cs_base, block->key.phys, block->ir.num_insns);
    else
      std::fprintf(stderr, "exec: eip=0x%08x cs_base=0x%08x insns=%u\n", block->key.eip,
                   block->key.cs_base, block->ir.num_insns);
  }
  ++stats.blocks_executed;
  // A block translated by another CPU sharing the cache may need more temps.
  if (block->program.num_slots() + kJitTempsOffset > temps.size())
    temps.resize(block->program.num_slots() + kJitTempsOffset);
  env.raised = false;
  env.block_invalidated = false;
  // The loop has control now: consume the request flag compiled code tests
  // when a chained jump enters a block (the block entered from here runs
  // at least one instruction: progress, and an interrupt shadow's
  // instruction runs first). A request or a raised IRQ line that came
  // after the loop's own checks sets it again, so the loop looks after
  // this block (the exchange orders the flag before the re-check: no
  // request is lost).
  std::atomic_ref<uint8_t> request(env.exit_request);
  if (request.load(std::memory_order_relaxed) && request.exchange(0) &&
      (exit_requested.load(std::memory_order_acquire) ||
       (mmu && irq_level.load(std::memory_order_relaxed) && (state.eflags & x86::kIF))))
    request.store(1, std::memory_order_relaxed);
  running = block;
  // User mode: host faults on guest memory come back as #PF (run()'s
  // sigsetjmp). System mode reaches memory through the MMU only.
  if (!mmu) trap.armed = HostFaultTrap::kGuest;
  const interp::BlockExit exit = execute(block);
  if (!mmu) trap.armed = HostFaultTrap::kOff;
  running = nullptr;
  // Engine::Jit: chained jumps may have run further blocks; the exit is
  // the last one's.
  if (config.engine == Engine::Jit) block = reinterpret_cast<CachedBlock*>(temps[0]);
  // Chain only from blocks still cached (a store may have dropped it).
  prev = {};
  if (exit.kind == interp::ExitKind::Direct && !env.block_invalidated) prev = {block, exit.slot};
  // Left at entry for an exit request (backend::x64::kEntryStop): nothing
  // of it ran, EIP is its start.
  if (exit.kind == interp::ExitKind::Stopped && exit.slot == backend::x64::kEntryStop)
    state.eip = block->key.eip;
  return exit;
}

void Cpu::Impl::print_stats() const {
  std::fprintf(stderr,
               "stats: blocks translated %" PRIu64 " (guest insns %" PRIu64 "), executed %" PRIu64
               ", chained %" PRIu64 ", invalidated (running) %" PRIu64 ", host faults %" PRIu64
               ", smc restarts %" PRIu64 ", cache blocks %zu\n",
               stats.blocks_translated, stats.guest_insns_translated, stats.blocks_executed,
               stats.chained, stats.invalidations, stats.host_faults, stats.smc_restarts,
               cache.size());
  if (mmu)
    std::fprintf(stderr,
                 "stats: system: indirect exits %" PRIu64 ", interrupts %" PRIu64
                 ", exceptions %" PRIu64 ", code TLB flushes %" PRIu64 "\n",
                 stats.indirect_exits, stats.interrupts, stats.exceptions, stats.code_tlb_flushes);
  if (const backend::x64::Jit* jit = cache.jit.get()) {
    const backend::x64::JitStats& j = jit->stats();
    std::fprintf(
        stderr,
        "stats: jit blocks compiled %" PRIu64 " (not compilable %" PRIu64 "), host bytes %" PRIu64
        " (%.1f per guest insn, hot %.1f),"
        " cache flushes %" PRIu64 ", exits chained in host code %" PRIu64 "\n",
        j.blocks_compiled, j.failures, j.host_bytes,
        stats.guest_insns_translated ? double(j.host_bytes) / double(stats.guest_insns_translated)
                                     : 0.0,
        stats.guest_insns_translated ? double(j.hot_bytes) / double(stats.guest_insns_translated)
                                     : 0.0,
        j.flushes, stats.jit_links);
  }
}

std::shared_ptr<BlockCache> make_shared_block_cache() {
  return std::make_shared<BlockCache>();
}

Cpu::Cpu(const CpuConfig& config) {
  if (Result<void> ok = check_engine(config); !ok) throw std::invalid_argument(ok.error().message);
  m_impl = std::make_unique<Impl>(config);
  if (config.phys) reset();
}

Cpu::~Cpu() {
  if (m_impl && m_impl->config.log.has(LogItem::Stats)) m_impl->print_stats();
  if (m_impl && m_impl->mmu) m_impl->config.phys->on_write = nullptr;
}

Result<std::unique_ptr<Cpu>> Cpu::create(const CpuConfig& config) {
  TRY(check_engine(config));
  return std::make_unique<Cpu>(config);
}

x86::CpuState& Cpu::state() {
  return m_impl->state;
}

CpuExit Cpu::run() {
  if (m_impl->mmu) return m_impl->run_system();
  return m_impl->run();
}

void Cpu::invalidate_code(uint32_t addr, uint32_t len) {
  // Called between runs: no block is executing, so none is "running".
  m_impl->cache.invalidate(addr, len, nullptr);
}

void Cpu::reset() {
  reset_state(m_impl->state);
  if (m_impl->mmu) m_impl->reset_system();
}

void reset_state(x86::CpuState& s) {
  s = x86::CpuState{};
  // Real-mode segment caches: present, writable data / readable code, accessed.
  constexpr uint32_t kRealData = 0x93, kRealCode = 0x9b;
  for (auto& seg : s.seg) seg = x86::SegmentCache{0, 0, 0xffff, kRealData};
  s.seg[x86::kCs] = x86::SegmentCache{0xf000, 0xffff0000, 0xffff, kRealCode};
  s.ldtr = x86::SegmentCache{0, 0, 0xffff, 0x82};
  s.tr = x86::SegmentCache{0, 0, 0xffff, 0x8b};
  s.eip = 0xfff0;
  s.eflags = 0x2;
  s.gpr[x86::kEdx] = 0x633;  // family 6, model 3, stepping 3 (Pentium II class)
  s.cr[0] = 0x60000010;      // CD, NW, ET
  s.dr[6] = 0xffff0ff0;
  s.dr[7] = 0x400;
}

void Cpu::set_irq(bool level) {
  m_impl->irq_level.store(level, std::memory_order_relaxed);
  // For helpers that set EFLAGS.IF (x86/system/mode_bits.h, note_if_set).
  std::atomic_ref<uint8_t>(m_impl->env.irq_line).store(level, std::memory_order_relaxed);
  // A raised line: compiled code chained in a loop must come back to take it.
  if (level) std::atomic_ref<uint8_t>(m_impl->env.exit_request).store(1, std::memory_order_release);
}

void Cpu::request_exit() {
  m_impl->exit_requested.store(true, std::memory_order_relaxed);
  std::atomic_ref<uint8_t>(m_impl->env.exit_request).store(1, std::memory_order_release);
}

const CpuStats& Cpu::stats() const {
  m_impl->stats.cache_blocks = m_impl->cache.size();
  return m_impl->stats;
}

}  // namespace dynemu::exec
