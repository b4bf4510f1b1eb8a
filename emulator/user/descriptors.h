#pragma once

#include <cstdint>

#include "emulator/user/guest_space.h"
#include "emulator/user/i386_abi.h"
#include "emulator/x86/cpu_state.h"

namespace dynemu::user {

// The guest's GDT and LDT, in guest memory where the CPU reads descriptors
// on segment loads (state.gdtr, state.ldtr). The GDT follows an i386 process
// on an x86-64 kernel, so selectors match a native run on this host:
// entry 4 user code (CS 0x23), 5 user data (0x2b), 12..14 the TLS slots of
// set_thread_area (%gs 0x63 after glibc's setup); entry 16 describes the
// LDT that modify_ldt fills (64 KiB, 8192 entries).
class Descriptors {
 public:
  static constexpr uint32_t kLdtAddr = GuestSpace::kSystemBase;
  static constexpr uint32_t kLdtEntries = 8192;
  static constexpr uint32_t kGdtAddr = kLdtAddr + kLdtEntries * 8;
  static constexpr unsigned kGdtEntries = 32;
  static constexpr unsigned kUserCs = 4, kUserDs = 5;
  static constexpr unsigned kTlsMin = 12, kTlsMax = 14;
  static constexpr unsigned kLdtEntry = 16;
  static constexpr uint16_t kCsSelector = kUserCs * 8 + 3;  // 0x23
  static constexpr uint16_t kDsSelector = kUserDs * 8 + 3;  // 0x2b

  explicit Descriptors(GuestSpace& space) : m_space(space) {}

  // Maps the GDT page, writes the flat descriptors and loads CS/DS/ES/SS/FS/GS,
  // GDTR and LDTR of `s` for 32-bit protected-mode user code.
  Result<void> install(x86::CpuState& s);

  // System calls; results are 0 or -errno.
  int set_thread_area(x86::CpuState& s, abi::UserDesc& desc);
  int get_thread_area(abi::UserDesc& desc) const;
  // modify_ldt(func, ptr, count): returns bytes read, 0 or -errno.
  int modify_ldt(x86::CpuState& s, int func, uint32_t ptr, uint32_t count);

  // Loads segment register `reg` with `selector` as a user-mode MOV would
  // (sigreturn); false if the selector is not usable (the register is then
  // left null).
  bool load_segment(x86::CpuState& s, int reg, uint16_t selector) const;

  // The TLS slots of the running thread (entries 12..14), switched with it.
  void save_tls(uint64_t (&tls)[3]) const;
  void load_tls(const uint64_t (&tls)[3]);

  uint64_t gdt_entry(unsigned i) const;
  uint64_t ldt_entry(unsigned i) const;

  // Descriptor encoding as Linux's fill_ldt(); `empty` per LDT_empty().
  static uint64_t encode(const abi::UserDesc& d);
  static abi::UserDesc decode(uint64_t desc, uint32_t entry);
  static bool is_empty(const abi::UserDesc& d);
  // The hidden segment state a load of `selector` with descriptor `desc` gives.
  static x86::SegmentCache cache_of(uint16_t selector, uint64_t desc);

 private:
  void set_gdt(unsigned i, uint64_t desc);
  // Segment registers holding a selector of a changed entry see the change
  // at once (Linux reloads them on the next context switch anyway).
  void refresh_segments(x86::CpuState& s);
  uint64_t descriptor_of(uint16_t selector) const;

  GuestSpace& m_space;
  bool m_ldt_mapped = false;
};

}  // namespace dynemu::user
