// User mode, self-modifying code by host page protection: after a store
// rewrote the block running it (HostFaultTrap::smc_restart), the storing
// instruction runs once on its own. Its block is not cached, so its page
// is not write-protected again and the store goes through; the next
// lookup translates the new code.
#include "emulator/exec/cpu_impl.h"

namespace dynemu::exec {

interp::BlockExit Cpu::Impl::run_smc_single_insn() {
  smc_single_step = false;
  const BlockKey key{state.eip, state.seg[x86::kCs].base, x86::user_block_mode(state)};
  x86::TranslateRequest req;
  req.fetch = [this](uint32_t addr, uint8_t* out, uint32_t len) { return fetch(addr, out, len); };
  req.max_insns = 1;
  smc_single_block = make_block(key, req);
  CachedBlock* block = smc_single_block.get();
  if (block->program.num_slots() + kJitTempsOffset > temps.size())
    temps.resize(block->program.num_slots() + kJitTempsOffset);
  ++stats.blocks_executed;
  env.raised = false;
  env.block_invalidated = false;
  running = block;
  temps[0] = reinterpret_cast<uint64_t>(block);  // running_block() of Engine::Jit
  // On the interpreter: its stores need no compiled code, and a further
  // write fault (another code page) finds no running block to drop.
  trap.armed = HostFaultTrap::kGuest;
  const interp::BlockExit exit = interp::run(block->program, env, temps.data() + kJitTempsOffset);
  trap.armed = HostFaultTrap::kOff;
  running = nullptr;
  temps[0] = 0;
  return exit;
}

}  // namespace dynemu::exec
