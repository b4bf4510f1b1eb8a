#pragma once

#include <cstdint>
#include <vector>

#include "emulator/backend/x64/jit.h"
#include "emulator/exec/block_cache.h"
#include "emulator/interp/interpreter.h"
#include "emulator/ir/helper.h"

namespace dynemu::exec {

// Engine::Compare: runs `block` on the JIT (its stores logged), then undoes
// its stores and state and runs it on the interpreter from the same state.
// At the first difference in CpuState, exit or the bytes the JIT stored,
// prints both and ends the process (exit status 125). Returns the
// interpreter's exit (its state and memory are what remain).
//
// Not compared (run on the JIT only): blocks calling a helper that writes
// guest memory itself or reads the host clock (RDTSC), and blocks that
// rewrite their own code, where running twice is not the same. A host fault in the JIT's run is
// delivered as is. Stores the interpreter makes to addresses the JIT did not write are not seen.
interp::BlockExit compare_block(CachedBlock& block, backend::x64::Jit& jit, ir::GuestEnv& env,
                                std::vector<uint64_t>& temps, StoreLog& log);

}  // namespace dynemu::exec
