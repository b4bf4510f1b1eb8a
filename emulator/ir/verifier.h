#pragma once

#include "emulator/core/result.h"
#include "emulator/ir/block.h"

namespace dynemu::ir {

// Checks a block: argument counts and types against opcodes.inc, each temp
// defined once and before its uses, immediates in range (registers,
// conditions, bit fields, sizes), helper arity, and that the block ends
// with exactly one terminator, as its last instruction. The error message
// names the offending instruction index and op.
Result<void> verify(const Block& block);

}  // namespace dynemu::ir
