#include "emulator/exec/compare.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "emulator/exec/host_fault.h"
#include "emulator/ir/printer.h"
#include "emulator/x86/lazy_flags.h"

namespace dynemu::exec {

namespace {

// IR helper inserted before each store of the compare copy of a block:
// (addr, len, StoreLog*) records the bytes about to be overwritten.
uint64_t log_store(ir::GuestEnv& env, uint64_t addr, uint64_t len, uint64_t log, uint64_t) {
  StoreLog::Entry e{static_cast<uint32_t>(addr), static_cast<uint32_t>(len), 0};
  // An unreadable address: the store itself faults next (as a write).
  if (guarded_copy(*current_trap(), reinterpret_cast<uint8_t*>(&e.old_bytes), env.host(e.addr),
                   e.len))
    reinterpret_cast<StoreLog*>(log)->entries.push_back(e);
  return 0;
}
constexpr ir::HelperInfo kLogStoreHelper{"compare_log_store", &log_store, ir::Type::Void, 3,
                                         ir::kReadsMem};

unsigned store_len(ir::Opcode op) {
  switch (op) {
    case ir::Opcode::Store8: return 1;
    case ir::Opcode::Store16: return 2;
    case ir::Opcode::Store32: return 4;
    case ir::Opcode::Store64: return 8;
    default: return 0;
  }
}

// `block` with a log_store call before every store.
ir::Block with_store_log(const ir::Block& block, StoreLog* log) {
  ir::Block out = block;
  out.insts.clear();
  const ir::Value log_ptr{static_cast<uint16_t>(out.temp_types.size())};
  out.temp_types.push_back(ir::Type::I64);
  out.insts.push_back({ir::Opcode::Const64, log_ptr, {}, reinterpret_cast<uint64_t>(log)});
  for (const ir::Inst& inst : block.insts) {
    if (const unsigned len = store_len(inst.op)) {
      const ir::Value len_v{static_cast<uint16_t>(out.temp_types.size())};
      out.temp_types.push_back(ir::Type::I32);
      out.insts.push_back({ir::Opcode::Const32, len_v, {}, len});
      ir::Inst call{ir::Opcode::Call, {}, {inst.args[0], len_v, log_ptr, {}}};
      call.helper = &kLogStoreHelper;
      out.insts.push_back(call);
    }
    out.insts.push_back(inst);
  }
  return out;
}

bool comparable(const ir::Block& block) {
  for (const ir::Inst& inst : block.insts)
    if (inst.op == ir::Opcode::Call &&
        ((inst.helper->effects & ir::kWritesMem) || std::string_view(inst.helper->name) == "rdtsc"))
      return false;
  return true;
}

struct Run {
  x86::CpuState state;
  interp::BlockExit exit;
  bool raised;
  uint8_t vector;
  uint32_t error_code, fault_addr;
};

Run capture(const ir::GuestEnv& env, interp::BlockExit exit) {
  return {*env.state, exit, env.raised, env.vector, env.error_code, env.fault_addr};
}

void print_run(const char* who, const Run& r) {
  const x86::CpuState& s = r.state;
  std::fprintf(stderr,
               "%s: exit kind %d slot %u raised %d vector %u error 0x%x addr 0x%08x\n"
               "  eax=%08x ecx=%08x edx=%08x ebx=%08x esp=%08x ebp=%08x esi=%08x edi=%08x\n"
               "  eip=%08x eflags=%08x cc={op %u dst %08x src %08x src2 %08x}\n",
               who, static_cast<int>(r.exit.kind), r.exit.slot, r.raised, r.vector, r.error_code,
               r.fault_addr, s.gpr[0], s.gpr[1], s.gpr[2], s.gpr[3], s.gpr[4], s.gpr[5], s.gpr[6],
               s.gpr[7], s.eip, x86::read_eflags(s), s.cc.op, s.cc.dst, s.cc.src, s.cc.src2);
}

bool same(const Run& a, const Run& b) {
  if (a.exit.kind != b.exit.kind || a.raised != b.raised) return false;
  if (a.exit.kind == interp::ExitKind::Direct && a.exit.slot != b.exit.slot) return false;
  if (a.raised &&
      (a.vector != b.vector || a.error_code != b.error_code || a.fault_addr != b.fault_addr))
    return false;
  // Lazy flags may differ in representation only if both engines disagree
  // on an op's semantics: compare them raw, as the engines share them.
  return std::memcmp(&a.state, &b.state, sizeof a.state) == 0;
}

}  // namespace

interp::BlockExit compare_block(CachedBlock& block, backend::x64::Jit& jit, ir::GuestEnv& env,
                                std::vector<uint64_t>& temp_vec, StoreLog& log) {
  if (block.compare_epoch != jit.epoch()) {
    block.compare_code = nullptr;
    if (comparable(block.ir)) {
      const ir::Block logged = with_store_log(block.ir, &log);
      block.compare_temps = static_cast<uint32_t>(logged.temp_types.size());
      block.compare_code = jit.compile(logged);
    }
    // A different flag: compiling may have flushed the cache.
    block.compare_epoch = jit.epoch();
    if (!comparable(block.ir)) {
      block.jit_code = jit.compile(block.ir);
      block.jit_epoch = jit.epoch();
    }
  }
  // The logging calls add temps (and another CPU sharing the cache may
  // have compiled it).
  if (block.compare_temps > temp_vec.size()) temp_vec.resize(block.compare_temps);
  uint64_t* temps = temp_vec.data();
  if (!block.compare_code) {
    if (block.jit_epoch == jit.epoch() && block.jit_code)
      return backend::x64::Jit::run(block.jit_code, env, temps);
    return interp::run(block.program, env, temps);
  }
  const x86::CpuState before = *env.state;
  log.entries.clear();
  const Run jit_run = capture(env, backend::x64::Jit::run(block.compare_code, env, temps));
  // A block that rewrote its own code (and so dropped itself from the cache)
  // cannot run again the same way: keep the JIT's run.
  if (env.block_invalidated) return jit_run.exit;
  for (StoreLog::Entry& e : log.entries) std::memcpy(&e.jit_bytes, env.host(e.addr), e.len);
  for (auto it = log.entries.rbegin(); it != log.entries.rend(); ++it)
    std::memcpy(env.host(it->addr), &it->old_bytes, it->len);
  *env.state = before;
  env.raised = false;
  env.block_invalidated = false;
  const interp::BlockExit exit = interp::run(block.program, env, temps);
  const Run interp_run = capture(env, exit);
  bool memory_same = true;
  // Final bytes at every address the JIT wrote, after each engine's run.
  for (const StoreLog::Entry& e : log.entries) {
    uint64_t now = 0;
    std::memcpy(&now, env.host(e.addr), e.len);
    if (now != e.jit_bytes) {
      std::fprintf(stderr, "compare: memory at 0x%08x (%u bytes): jit %016llx interp %016llx\n",
                   e.addr, e.len, static_cast<unsigned long long>(e.jit_bytes),
                   static_cast<unsigned long long>(now));
      memory_same = false;
    }
  }
  if (!memory_same || !same(jit_run, interp_run)) {
    std::fprintf(stderr, "compare: jit and interp differ in the block at eip=0x%08x\n",
                 block.key.eip);
    print_run("interp", interp_run);
    print_run("jit   ", jit_run);
    std::fputs(ir::print_block(block.ir).c_str(), stderr);
    std::fflush(stderr);
    std::_Exit(125);
  }
  return exit;
}

}  // namespace dynemu::exec
