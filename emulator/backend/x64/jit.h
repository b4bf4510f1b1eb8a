#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "emulator/backend/x64/code_cache.h"
#include "emulator/interp/interpreter.h"
#include "emulator/ir/block.h"

namespace dynemu::backend::x64 {

// Compiled host code of one block; x87_slot is x87_resident_state().
using BlockFn = uint64_t (*)(ir::GuestEnv* env, uint64_t* temps, x86::FpuState** x87_slot);

// The guest x87 state that compiled code on this thread holds in the host's
// x87 unit right now (emit_x87.cpp), or null. Thread-local because the host
// fault handler must find it: a mutable global the OS forces on us.
x86::FpuState*& x87_resident_state();

// For the host fault handler (exec/host_fault.cpp), before it leaves
// compiled code by siglongjmp: if this thread's compiled code held a guest
// x87 state in the host unit, moves it from the signal context's FXSAVE
// image (ucontext fpregs) into the guest state. Async-signal-safe.
void recover_x87_after_fault(const void* host_fxsave);

struct JitStats {
  uint64_t blocks_compiled = 0;
  uint64_t host_bytes = 0;
  uint64_t flushes = 0;
  uint64_t failures = 0;  // blocks left to the interpreter (too big to emit)
};

class Emitter;

// Inline lookup at indirect exits: exec's jump cache, read by compiled
// code. Entries of kEntryBytes, 1 << bits of them, indexed by
// (eip ^ eip >> bits ^ phys >> 12 ^ mode) & mask; an entry matches when its
// eip, cs_base, mode (and phys) equal the successor's key, and is followed
// when its body (the successor's chained entry point, valid for the JIT's
// current epoch) is non-null. cs_base and mode are the exiting block's (it
// keeps them). User mode: phys is 0. System mode (`system`): phys is the
// physical address of cs_base + eip from the soft TLB's exec entry
// (GuestEnv::tlb, the user set if `user_tlb`); no such entry: miss. So a
// hit needs the successor's code mapping to be the one it was translated
// for, checked the way the CPU loop checks it, with no flush of the jump
// cache on TLB flushes.
struct IndirectLookup {
  static constexpr uint32_t kEntryBytes = 32, kEipOff = 0, kCsBaseOff = 4, kModeOff = 8,
                            kPhysOff = 12, kBodyOff = 24;
  const void* table = nullptr;  // null: indirect exits return to the loop
  uint32_t bits = 0;
  uint32_t cs_base = 0, mode = 0;
  bool system = false, user_tlb = false;
};

// The x86-64 JIT: compiles IR blocks into a CodeCache. One per translation
// cache (exec::BlockCache); not thread-safe (its users run one at a time).
class Jit {
 public:
  static constexpr size_t kDefaultCacheBytes = 32u << 20;
  explicit Jit(size_t cache_bytes = kDefaultCacheBytes,
               CodeCache::Views views = CodeCache::Views::Single);
  ~Jit();
  Jit(const Jit&) = delete;
  Jit& operator=(const Jit&) = delete;

  // Host code for `block`, or nullptr if it cannot be compiled (the caller
  // runs the block on the interpreter). When the cache is full it is
  // flushed first: code returned earlier with an older epoch() is gone.
  BlockFn compile(const ir::Block& block);

  // Compiled code with chainable direct exits (see Emitter: chain_slots
  // has block.num_direct_exits entries, read by the code at run time; `tag`
  // is written to temps[-2] when the block's body starts; temps[-1] is the
  // chain budget). `body` is where a chained jump from another block enters.
  // `indirect`: where its indirect exit looks the successor up (optional).
  struct Chained {
    BlockFn fn = nullptr;
    const void* body = nullptr;
  };
  Chained compile_chained(const ir::Block& block, const uint64_t* chain_slots, uint64_t tag,
                          const IndirectLookup& indirect = {});
  uint64_t epoch() const { return m_cache.epoch(); }
  const JitStats& stats() const { return m_stats; }

  // Runs compiled code. `temps` holds at least block.temp_types.size()
  // values. Host faults on guest memory are the caller's (as interp::run).
  static interp::BlockExit run(BlockFn fn, ir::GuestEnv& env, uint64_t* temps) {
    const uint64_t r = fn(&env, temps, &x87_resident_state());
    return {static_cast<interp::ExitKind>(r & 0xff), static_cast<uint32_t>(r >> 32)};
  }

 private:
  CodeCache m_cache;
  std::unique_ptr<Emitter> m_emitter;
  JitStats m_stats;
};

}  // namespace dynemu::backend::x64
