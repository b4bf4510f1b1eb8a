#pragma once

#include <string>

#include "emulator/ir/block.h"

namespace dynemu::ir {

// "t12": the name of a temp in printed IR and error messages.
std::string temp_name(Value v);

// One instruction, e.g. "t3 = add t1, t2" or "set_cc add32, t3, t2, -".
std::string print_inst(const Block& block, const Inst& inst);

// The whole block (for -d op): a header line with its EIP, CS base, mode
// and size, then one instruction per line, guest instructions separated by
// their insn_start markers.
std::string print_block(const Block& block);

}  // namespace dynemu::ir
