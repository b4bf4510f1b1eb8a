#pragma once

#include <cstdint>

#include "emulator/ir/builder.h"
#include "emulator/ir/helper.h"
#include "emulator/x86/cpu_state.h"

// Debug exceptions (SDM vol. 3, 17.2-17.3), system mode: EFLAGS.TF single
// step, DR0-DR3 instruction breakpoints (DR7 R/W = 00), DR7.GD and the
// DR4/DR5 aliases of MOV DRn, DR0-DR3 data breakpoints (R/W 01, 11). Not
// done: I/O breakpoints (R/W 10), the TSS T bit.
//
// Single step: a block translated with TF set holds one instruction whose
// exits go through single_step (DR6.BS, #DB as a trap: EIP = where the
// instruction went). INT n/INT3/INT1 (they clear TF for the handler) and
// MOV SS/POP SS (debug exceptions are held until after the next
// instruction) do not trap. Instruction breakpoints: a block translated
// while DR7 enables one calls breakpoint_check before each instruction
// (#DB fault, DR6.Bn; EFLAGS.RF suppresses it once). Data breakpoints: a
// block translated while DR7 enables one holds one instruction; each of its
// memory accesses calls data_breakpoint, which notes hits, and its exits
// go through debug_trap (#DB trap after the instruction, DR6.Bn).
namespace dynemu::x86 {

inline constexpr uint32_t kModeSingleStep = 1u << 15;
inline constexpr uint32_t kModeBreakpoints = 1u << 16;
inline constexpr uint32_t kModeDataBreakpoints = 1u << 17;

inline constexpr uint32_t kDr6Bd = 1u << 13, kDr6Bs = 1u << 14, kDr6Bt = 1u << 15;
inline constexpr uint32_t kDr7Gd = 1u << 13;
// CpuState::dr[kDrPendingHits]: the data breakpoints the current
// instruction hit, until it completes. The DR4/DR5 slots are free for it:
// MOV DR4/DR5 reach DR6/DR7.
inline constexpr unsigned kDrPendingHits = 4;

// The debug bits of the block key for state `s`.
uint32_t debug_mode(const CpuState& s);

// debug_trap(next_eip, single_step): if single_step (TF was set) or a data
// breakpoint hit during the instruction: EIP = next_eip, DR6.BS / DR6.Bn,
// raises #DB (a trap).
extern const ir::HelperInfo kDebugTrapHelper;
// debug_trap_if(cond, target, single_step): debug_trap(target, ...) if cond != 0.
extern const ir::HelperInfo kDebugTrapIfHelper;
// data_breakpoint(linear, bytes | write << 8): notes the enabled data
// breakpoints the access touches (a trap after the instruction).
extern const ir::HelperInfo kDataBreakpointHelper;
// breakpoint_check(linear): #DB fault if an enabled DR0-DR3 instruction
// breakpoint is at `linear` (DR6.B0-B3 say which); with EFLAGS.RF set,
// clears RF instead.
extern const ir::HelperInfo kBreakpointCheckHelper;
// dr_access(n): MOV to/from DRn: #UD for DR4/DR5 with CR4.DE; with DR7.GD,
// #DB fault (DR6.BD set, GD cleared for the handler).
extern const ir::HelperInfo kDrAccessHelper;

// Rewrites the exits of a one-instruction block translated with TF set or
// data breakpoints enabled (see above) so the instruction traps with #DB
// where it goes (always if `single_step`, else on a data breakpoint hit).
void add_debug_traps(ir::Builder& b, bool single_step);

}  // namespace dynemu::x86
