#pragma once

#include <cstdint>

#include "emulator/ir/helper.h"
#include "emulator/x86/cpu_state.h"
#include "emulator/x86/system/status.h"

// Segment descriptors, selectors and privilege (SDM vol. 3, 3.4-3.5, 5.5).
namespace dynemu::x86 {

// SegmentCache::flags holds bits 8..23 of a descriptor's high dword.
inline constexpr uint32_t kSegType = 0xf;
inline constexpr uint32_t kSegS = 1u << 4;  // code/data (1) or system (0)
inline constexpr uint32_t kSegDplShift = 5;
inline constexpr uint32_t kSegPresent = 1u << 7;
inline constexpr uint32_t kSegBig = 1u << 14;  // D/B
inline constexpr uint32_t kSegGranularity = 1u << 15;

// System descriptor types (S = 0).
enum SystemType : uint8_t {
  kTss16Available = 1,
  kLdt = 2,
  kTss16Busy = 3,
  kCallGate16 = 4,
  kTaskGate = 5,
  kIntGate16 = 6,
  kTrapGate16 = 7,
  kTss32Available = 9,
  kTss32Busy = 11,
  kCallGate32 = 12,
  kIntGate32 = 14,
  kTrapGate32 = 15,
};

enum Vector8 : uint8_t {
  kVecDB = 1,
  kVecDF = 8,
  kVecTS = 10,
  kVecNP = 11,
  kVecSS = 12,
  kVecGP = 13,
  kVecPF = 14
};

struct Descriptor {
  uint32_t lo = 0, hi = 0;

  unsigned type() const { return (hi >> 8) & 0xf; }
  bool is_segment() const { return hi & (1u << 12); }
  bool is_system() const { return !is_segment(); }
  bool is_code() const { return is_segment() && (type() & 8); }
  bool is_data() const { return is_segment() && !(type() & 8); }
  bool conforming() const { return is_code() && (type() & 4); }
  bool readable() const { return is_data() || (type() & 2); }
  bool writable() const { return is_data() && (type() & 2); }
  unsigned dpl() const { return (hi >> 13) & 3; }
  bool present() const { return hi & (1u << 15); }
  uint32_t base() const { return (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000); }
  uint32_t limit() const {
    const uint32_t raw = (lo & 0xffff) | (hi & 0xf0000);
    return (hi & (1u << 23)) ? (raw << 12) | 0xfff : raw;
  }
  uint32_t cache_flags() const { return (hi >> 8) & 0xffff; }
  // Gates: target selector and offset, parameter count (call gates).
  uint16_t gate_selector() const { return static_cast<uint16_t>(lo >> 16); }
  uint32_t gate_offset() const { return (lo & 0xffff) | (hi & 0xffff0000); }
  unsigned gate_params() const { return hi & 0x1f; }
  bool gate32() const { return type() & 8; }
};

// The current privilege level: 0 in real mode, 3 in virtual-8086 mode, the
// RPL of CS in protected mode (equal to CS's DPL except for conforming code).
inline unsigned cpl_of(const CpuState& s) {
  if (!(s.cr[0] & 1)) return 0;
  if (s.eflags & kVM) return 3;
  return s.seg[kCs].selector & 3;
}

inline unsigned iopl_of(const CpuState& s) {
  return (s.eflags >> 12) & 3;
}

// Where selector `sel`'s descriptor lives; false if beyond its table's limit
// (or an LDT selector with no LDT).
bool descriptor_address(const CpuState& s, uint16_t sel, uint32_t& linear);

// Reads `sel`'s descriptor. Beyond the table: `vector`(sel | ext).
Status fetch_descriptor(ir::GuestEnv& env, uint16_t sel, Descriptor& d, uint8_t vector,
                        uint32_t ext);

// Sets the accessed bit of a code/data descriptor in its table, as the CPU
// does when it loads it.
Status mark_accessed(ir::GuestEnv& env, uint16_t sel, Descriptor& d);

SegmentCache make_cache(uint16_t sel, const Descriptor& d);

// The real-mode / virtual-8086 cache of a segment register loaded with `sel`.
// Real mode keeps the access rights (big real mode); v8086 makes them those
// of a 16-bit writable data segment of DPL 3.
void load_real_segment(CpuState& s, unsigned seg, uint16_t sel);

// The protected-mode segment checks of MOV/POP Sreg, LDS... (SDM vol. 2,
// MOV): data segments (and readable code) into DS/ES/FS/GS, writable data
// of DPL = RPL = CPL into SS. Loads the cache (and sets accessed) on success.
Status load_protected_segment(ir::GuestEnv& env, unsigned seg, uint16_t sel);

// The same checks for SS on a stack switch to privilege `cpl` (interrupts,
// call gates, returns); faults are `vector`(sel | ext), #SS when not present.
Status check_stack_segment(ir::GuestEnv& env, uint16_t sel, unsigned cpl, uint8_t vector,
                           uint32_t ext, Descriptor& d);

// Whether [offset - bytes, offset) may be written below `offset` in the stack
// segment `ss` (expand-up or expand-down limit checks).
bool stack_room(const SegmentCache& ss, uint32_t offset, uint32_t bytes);

// Reads SS:ESP for privilege `dpl` from the current TSS (16- or 32-bit).
// Beyond the TSS limit: #TS(TR | ext).
Status tss_stack(ir::GuestEnv& env, unsigned dpl, uint32_t ext, uint16_t& ss, uint32_t& esp);

}  // namespace dynemu::x86
