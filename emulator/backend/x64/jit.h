#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

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
  uint64_t hot_bytes = 0;  // of host_bytes, in the hot region (Emitter)
  uint64_t flushes = 0;
  uint64_t failures = 0;  // blocks left to the interpreter (too big to emit)
};

class Emitter;

// A chained block left at entry for GuestEnv::exit_request: ExitKind::Stopped
// with this slot; EIP is not stored (it is the block's start, set by exec).
constexpr uint32_t kEntryStop = 0xffffffff;

// Where a guest instruction's host code starts: byte offset (in a block,
// or in the code cache) and the instruction's EIP.
struct HostPc {
  uint32_t off, eip;
};

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
  explicit Jit(size_t cache_bytes = kDefaultCacheBytes);
  ~Jit();
  Jit(const Jit&) = delete;
  Jit& operator=(const Jit&) = delete;

  // Host code for `block`, or nullptr if it cannot be compiled (the caller
  // runs the block on the interpreter). When the cache is full it is
  // flushed first: code returned earlier with an older epoch() is gone.
  BlockFn compile(const ir::Block& block);

  // Compiled code with chainable direct exits: each is a `jmp rel32` that
  // patch_exit points at a successor's body (QEMU's goto_tb); unlinked it
  // falls into a stub that stores the next EIP and leaves. `tag` is written
  // to temps[-1] when the block leaves and before C calls (which block
  // runs). The body first
  // tests GuestEnv::exit_request and leaves (Stopped, EIP = the block's
  // start) when it is set. `body` is where a chained jump from another
  // block enters; `exits` the patch sites: (direct exit slot, site), one
  // per emitted exit (an x87 block has two versions of each).
  // `indirect`: where its indirect exit looks the successor up (optional).
  // `hot` and `cold`: the block's code in the two regions of the cache
  // (Emitter), for perf maps and -d out_asm; fn is in the cold one.
  struct Range {
    const uint8_t* start = nullptr;
    size_t size = 0;
  };
  struct Chained {
    BlockFn fn = nullptr;
    const void* body = nullptr;
    std::vector<std::pair<uint32_t, uint8_t*>> exits;
    Range hot, cold;
  };
  Chained compile_chained(const ir::Block& block, uint64_t tag,
                          const IndirectLookup& indirect = {});
  // Points the patched jump at `site` (from Chained::exits, code of the
  // current epoch) at `target`, or back at its stub (null; the stubs are
  // remembered per site for this). The code cache is always writable: a
  // patch is one 4-byte store.
  void patch_exit(uint8_t* site, const void* target);
  uint64_t epoch() const { return m_cache.epoch(); }

  // Lazy EIP (compiled code does not store EIP per instruction): if
  // host_pc is inside a block compiled in the current epoch, sets `eip` to
  // the guest instruction whose code contains it and `tag` to the block's
  // tag (compile_chained) and returns true. Async-signal-safe (binary
  // searches, no allocation): the host fault handler calls it.
  bool guest_eip_at(uintptr_t host_pc, uint32_t& eip, uint64_t& tag) const;
  const JitStats& stats() const { return m_stats; }

  // Runs compiled code. `temps` holds at least block.temp_types.size()
  // values. Host faults on guest memory are the caller's (as interp::run).
  static interp::BlockExit run(BlockFn fn, ir::GuestEnv& env, uint64_t* temps) {
    const uint64_t r = fn(&env, temps, &x87_resident_state());
    return {static_cast<interp::ExitKind>(r & 0xff), static_cast<uint32_t>(r >> 32)};
  }

 private:
  Chained compile(const ir::Block& block, bool chain, uint64_t tag, const IndirectLookup& indirect);
  CodeCache m_cache;
  std::unique_ptr<Emitter> m_emitter;
  void flush();
  // The blocks of this epoch in code-cache order, one list per region (bump
  // allocation keeps each sorted by start), and their instructions' code
  // offsets (sorted per block: hot ones, then cold ones).
  struct BlockSpan {
    uint32_t start, end;       // [start, end) in the code cache
    uint32_t first_pc, n_pcs;  // in m_pcs (offsets in the code cache)
    uint64_t tag;
  };
  std::vector<BlockSpan> m_hot_spans, m_cold_spans;
  const BlockSpan* span_at(uintptr_t host_pc) const;  // async-signal-safe
  std::vector<HostPc> m_pcs;
  // (exit site, its stub), offsets in the code cache, sorted by site.
  std::vector<std::pair<uint32_t, uint32_t>> m_stubs;
  JitStats m_stats;
};

}  // namespace dynemu::backend::x64
