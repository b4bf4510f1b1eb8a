#pragma once

#include "emulator/ir/block.h"

namespace dynemu::ir::opt {

// The optimization pipeline run on each translated block before it is
// compiled. Every pass keeps precise exceptions: at each op that may raise
// or exit (and at instruction boundaries a store may stop the block at),
// guest registers, lazy flags and EIP are exactly as the unoptimized block
// leaves them.
void optimize(Block& block);

// Forward pass: guest registers and lazy-flag fields read after a write (or
// an earlier read) in the same block reuse the known temp; `cond` after a
// known set_cc becomes a direct comparison of its operands (compare and
// branch fusion); pure ops on constants fold (ir::eval_pure).
void forward_state(Block& block);

// Address arithmetic: add(x, shl(y, 1..3)), and adds of a constant to
// such a sum or to a sum of two temps, become one lea(x, y, scale, disp).
// The adds and shifts left unused go with dead code.
void fuse_addresses(Block& block);

// Backward pass: drops set_gpr / set_cc overwritten before anything could
// observe them, and value-producing ops without effects whose result is
// unused.
void remove_dead_code(Block& block);

// Drops insn_start markers of instructions that can neither raise nor be a
// stop point after a store (nothing can observe their EIP).
void prune_insn_starts(Block& block);

}  // namespace dynemu::ir::opt
