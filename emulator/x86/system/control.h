#pragma once

#include "emulator/ir/helper.h"

// Control registers, descriptor-table registers, MSRs and the TSC (SDM
// vol. 3, 2.5 and chapter 4; vol. 4 for the MSRs of the P6). The translator
// checks CPL 0 (static in the block key) before calling these.
namespace dynemu::x86 {

// CR0 bits (MP, EM and TS are the x87's: fpu/x87_exec.h).
inline constexpr uint32_t kCr0Pe = 1u << 0;
inline constexpr uint32_t kCr0Wp = 1u << 16;
inline constexpr uint32_t kCr0Am = 1u << 18;
inline constexpr uint32_t kCr0Nw = 1u << 29;
inline constexpr uint32_t kCr0Cd = 1u << 30;
inline constexpr uint32_t kCr0Pg = 1u << 31;
// CR4 bits this CPU has (no VME/PVI, no PAE, no OSFXSR: see cpuid_leaf).
inline constexpr uint32_t kCr4Tsd = 1u << 2;
inline constexpr uint32_t kCr4De = 1u << 3;
inline constexpr uint32_t kCr4Pse = 1u << 4;
inline constexpr uint32_t kCr4Pge = 1u << 7;
inline constexpr uint32_t kCr4Pce = 1u << 8;

// mov_to_cr(n, value): MOV CRn, r32 (n = 0, 2, 3, 4). #GP(0) for reserved
// bits and PG without PE; flushes the TLB where the SDM says.
extern const ir::HelperInfo kMovToCrHelper;
// lmsw(value): LMSW r/m16: PE MP EM TS from the operand; PE cannot be cleared.
extern const ir::HelperInfo kLmswHelper;
// lldt(selector), ltr(selector): LLDT/LTR with their checks; LTR marks the TSS busy.
extern const ir::HelperInfo kLldtHelper;
extern const ir::HelperInfo kLtrHelper;
// invlpg(linear)
extern const ir::HelperInfo kInvlpgHelper;
// rdmsr() / wrmsr(): ECX selects; EDX:EAX. Unknown MSRs are #GP(0).
extern const ir::HelperInfo kRdmsrHelper;
extern const ir::HelperInfo kWrmsrHelper;
// sysenter() / sysexit(): SDM vol. 2; each returns the new EIP.
extern const ir::HelperInfo kSysenterHelper;
extern const ir::HelperInfo kSysexitHelper;

}  // namespace dynemu::x86
