#pragma once

// A tiny system-mode machine for the x86/system unit tests: 2 MiB of
// memory without paging (linear = physical) and an I/O bus that records
// writes. The CPU runs either in a loop kept here (translate -> interpreter
// -> exceptions through x86::deliver_event, counting them), or as the real
// exec::Cpu in system mode on the interpreter or the JIT.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "emulator/exec/cpu.h"
#include "emulator/interp/interpreter.h"
#include "emulator/ir/block.h"
#include "emulator/ir/system_bus.h"
#include "emulator/ir/verifier.h"
#include "emulator/mmu/phys_memory.h"
#include "emulator/x86/cpu_state.h"
#include "emulator/x86/lazy_flags.h"
#include "emulator/x86/system/events.h"
#include "emulator/x86/system/mode_bits.h"
#include "emulator/x86/translate.h"
#include "tests/unit/guest_memory.h"

namespace dynemu::x86::test {

// Linear memory for helpers: the guest_base bytes, with pages that can be
// made absent to provoke #PF (error code 0 or 2: not present, read/write).
class FlatMemory : public ir::SystemMemory {
 public:
  explicit FlatMemory(uint8_t* base) : m_base(base) {}
  bool read(ir::GuestEnv& env, uint32_t linear, void* out, uint32_t len, bool user) override {
    if (absent(env, linear, len, 0, user)) return false;
    std::memcpy(out, m_base + linear, len);
    return true;
  }
  bool write(ir::GuestEnv& env, uint32_t linear, const void* in, uint32_t len, bool user) override {
    if (absent(env, linear, len, 2, user)) return false;
    std::memcpy(m_base + linear, in, len);
    env.note_store(linear, len);
    return true;
  }
  void flush_tlb(bool global_too) override { ++flushes; }
  void flush_tlb_page(uint32_t) override { ++page_flushes; }

  std::set<uint32_t> absent_pages;
  int flushes = 0, page_flushes = 0;

 private:
  bool absent(ir::GuestEnv& env, uint32_t linear, uint32_t len, uint32_t code, bool user) {
    for (uint32_t a = linear & ~0xfffu; a < linear + len; a += 0x1000) {
      if (absent_pages.count(a)) {
        env.raise(14, code | (user ? 4 : 0), a < linear ? linear : a);
        return true;
      }
    }
    return false;
  }
  uint8_t* m_base;
};

class RecordingBus : public ir::SystemBus {
 public:
  uint32_t io_read(uint16_t port, unsigned size) override {
    reads.emplace_back(port, size);
    return 0x12345678u;
  }
  void io_write(uint16_t port, unsigned size, uint32_t value) override {
    writes.push_back({port, size, value});
  }
  int interrupt_acknowledge() override { return -1; }

  struct Write {
    uint16_t port;
    unsigned size;
    uint32_t value;
  };
  std::vector<std::pair<uint16_t, unsigned>> reads;
  std::vector<Write> writes;
};

enum class Stop { Halt, Shutdown, Steps, Syscall };

// Who runs the guest code.
enum class Runner { Loop, Interp, Jit };
inline const char* runner_name(const ::testing::TestParamInfo<Runner>& info) {
  switch (info.param) {
    case Runner::Loop: return "Loop";
    case Runner::Interp: return "Interp";
    case Runner::Jit: return "Jit";
  }
  return "?";
}

// Segment descriptors for tests.
constexpr uint64_t descriptor(uint32_t base, uint32_t limit, uint32_t access_flags) {
  // access_flags: bits 8..23 of the high dword (type, S, DPL, P, AVL, D/B, G),
  // i.e. SegmentCache::flags.
  const uint32_t lo = (base << 16) | (limit & 0xffff);
  const uint32_t hi = ((base >> 16) & 0xff) | (base & 0xff000000u) | (limit & 0xf0000) |
                      ((access_flags & 0xffff) << 8);
  return uint64_t{hi} << 32 | lo;
}
constexpr uint64_t gate(uint16_t sel, uint32_t offset, unsigned type, unsigned dpl,
                        unsigned params = 0, bool present = true) {
  const uint32_t lo = (uint32_t{sel} << 16) | (offset & 0xffff);
  const uint32_t hi =
      (offset & 0xffff0000u) | (present ? 0x8000u : 0) | (dpl << 13) | (type << 8) | params;
  return uint64_t{hi} << 32 | lo;
}

inline constexpr uint32_t kFlatCode0 = 0xc09a, kFlatData0 = 0xc092;  // + G, D/B
inline constexpr uint32_t kFlatCode3 = 0xc0fa, kFlatData3 = 0xc0f2;

class SystemMachine {
 public:
  static constexpr uint32_t kGdt = 0x4000, kTss = 0x5000, kIdt = 0x6000;
  static constexpr uint32_t kRamBytes = 2u << 20;

 private:
  // Storage first: the public references below are initialized from it.
  Runner m_runner;
  std::unique_ptr<::GuestMemory> m_space;   // Loop: the interpreter's guest_base
  std::unique_ptr<mmu::PhysMemory> m_phys;  // exec::Cpu runners
  std::unique_ptr<exec::Cpu> m_cpu;
  CpuState m_local;
  uint8_t* m_ram;
  FlatMemory m_flat;

  static exec::Engine engine_of(Runner r) {
    return r == Runner::Jit ? exec::Engine::Jit : exec::Engine::Interp;
  }

 public:
  explicit SystemMachine(Runner runner = Runner::Loop)
      : m_runner(runner),
        m_space(runner == Runner::Loop ? std::make_unique<::GuestMemory>() : nullptr),
        m_phys(runner == Runner::Loop ? nullptr : std::make_unique<mmu::PhysMemory>(kRamBytes)),
        m_cpu(runner == Runner::Loop ? nullptr : make_cpu(runner, *m_phys, bus)),
        m_ram(m_space ? m_space->base() : m_phys->ram()),
        m_flat(m_ram),
        s(m_cpu ? m_cpu->state() : m_local) {
    if (m_space) m_space->map(0, kRamBytes);
    env.state = &s;
    env.guest_base = m_ram;
    env.memory = &m_flat;
    env.bus = &bus;
  }

  // The exceptions the CPU took (the Loop runner counts them).
  bool counts_exceptions() const { return m_runner == Runner::Loop; }
  // TLB flushes the CPU asked for (the Loop runner sees them on FlatMemory).
  bool counts_flushes() const { return m_runner == Runner::Loop; }

  // --- memory
  void put(uint32_t addr, const uint8_t* bytes, size_t n) {
    std::memcpy(m_ram + addr, bytes, n);
    if (m_cpu) m_cpu->invalidate_code(addr, static_cast<uint32_t>(n));
  }
  template <size_t N>
  void put(uint32_t addr, const uint8_t (&bytes)[N]) {
    put(addr, bytes, N);
  }
  void store8(uint32_t a, uint8_t v) { *(m_ram + a) = v; }
  void store16(uint32_t a, uint16_t v) { std::memcpy((m_ram + a), &v, 2); }
  void store32(uint32_t a, uint32_t v) { std::memcpy((m_ram + a), &v, 4); }
  void store64(uint32_t a, uint64_t v) { std::memcpy((m_ram + a), &v, 8); }
  uint16_t load16(uint32_t a) const {
    uint16_t v;
    std::memcpy(&v, (m_ram + a), 2);
    return v;
  }
  uint32_t load32(uint32_t a) const {
    uint32_t v;
    std::memcpy(&v, (m_ram + a), 4);
    return v;
  }
  uint64_t load64(uint32_t a) const {
    uint64_t v;
    std::memcpy(&v, (m_ram + a), 8);
    return v;
  }
  FlatMemory& memory() { return m_flat; }

  // --- setups
  // Real mode at 0000:0000-based segments, stack at 0000:8000, IVT at 0.
  void real_mode() {
    if (m_cpu) m_cpu->reset();  // also flushes its TLB
    s = CpuState{};
    s.cr[0] = 0x10;
    for (auto& seg : s.seg) seg = SegmentCache{0, 0, 0xffff, 0x93};
    s.seg[kCs].flags = 0x9b;
    s.idtr = {0, 0x3ff};
    s.gpr[kEsp] = 0x8000;
    write_eflags(s, 0x202);
  }
  void set_ivt(uint8_t vector, uint16_t seg, uint16_t off) {
    store32(vector * 4u, uint32_t{seg} << 16 | off);
  }

  // Flat protected mode. GDT: 0x08 code0, 0x10 data0, 0x18 code3, 0x20
  // data3, 0x28 TSS (32-bit, at kTss, ESP0 0x9000 / SS0 0x10), 0x38 16-bit
  // code0, 0x40 16-bit data0. IDT at kIdt (256 entries, none present).
  // Starts at CPL `cpl` (0 or 3) with ESP 0x8000, IF set.
  void protected_mode(unsigned cpl, uint32_t tss_limit = 0x67) {
    if (m_cpu) m_cpu->reset();
    s = CpuState{};
    s.cr[0] = 0x11;
    set_gdt(1, descriptor(0, 0xfffff, kFlatCode0 | 0x8000));
    set_gdt(2, descriptor(0, 0xfffff, kFlatData0 | 0x8000));
    set_gdt(3, descriptor(0, 0xfffff, kFlatCode3 | 0x8000));
    set_gdt(4, descriptor(0, 0xfffff, kFlatData3 | 0x8000));
    set_gdt(5, descriptor(kTss, tss_limit, 0x89));  // available 32-bit TSS
    set_gdt(7, descriptor(0, 0xffff, 0x9a));
    set_gdt(8, descriptor(0, 0xffff, 0x92));
    s.gdtr = {kGdt, 0x7f};
    s.idtr = {kIdt, 0x7ff};
    for (uint32_t i = 0; i < 256; ++i) store64(kIdt + i * 8, 0);
    store32(kTss + 4, 0x9000);
    store32(kTss + 8, 0x10);
    s.tr = SegmentCache{0x28, kTss, tss_limit, 0x8b};  // busy after LTR
    store64(kGdt + 5 * 8, descriptor(kTss, tss_limit, 0x8b));
    const uint16_t code = cpl ? 0x1b : 0x08, data = cpl ? 0x23 : 0x10;
    const uint32_t code_flags = (cpl ? kFlatCode3 : kFlatCode0) | 0x8001;
    const uint32_t data_flags = (cpl ? kFlatData3 : kFlatData0) | 0x8001;
    for (auto& seg : s.seg) seg = SegmentCache{data, 0, 0xffffffffu, data_flags};
    s.seg[kCs] = SegmentCache{code, 0, 0xffffffffu, code_flags};
    s.gpr[kEsp] = 0x8000;
    write_eflags(s, 0x202);
  }
  void set_gdt(unsigned index, uint64_t d) { store64(kGdt + index * 8, d); }
  void set_idt(uint8_t vector, uint64_t g) { store64(kIdt + vector * 8u, g); }

  // The block key's mode bits, as exec computes them in system mode.
  uint32_t mode() const { return system_block_mode(s); }

  // Runs from CS:EIP until HLT at CPL 0 (HLT elsewhere faults), a triple
  // fault, or a step limit. Exceptions go through deliver_event.
  Stop run(int max_blocks = 1000) {
    if (m_cpu) return run_cpu();
    for (int i = 0; i < max_blocks; ++i) {
      TranslateRequest req;
      req.eip = s.eip;
      req.cs_base = s.seg[kCs].base;
      req.mode = mode();
      req.fetch = [this](uint32_t addr, uint8_t* out, uint32_t n) -> uint32_t {
        if (addr >= kRamBytes) return 0;
        n = std::min<uint32_t>(n, kRamBytes - addr);
        std::memcpy(out, m_ram + addr, n);
        return n;
      };
      const ir::Block block = translate_block(req);
      const auto verified = ir::verify(block);
      EXPECT_TRUE(verified.ok()) << verified.error().message;
      if (!verified.ok()) return Stop::Steps;
      const interp::Program program = interp::Program::compile(block);
      std::vector<uint64_t> temps(program.num_slots());
      env.raised = false;
      env.block_invalidated = false;  // as exec's loop: a mode change left the last block
      s.int_shadow = 0;
      const interp::BlockExit exit = interp::run(program, env, temps.data());
      switch (exit.kind) {
        case interp::ExitKind::Halt: return Stop::Halt;
        case interp::ExitKind::Syscall: return Stop::Syscall;
        case interp::ExitKind::Exception:
          ++exceptions;
          last_vector = env.vector;
          if (env.vector == 14) s.cr[2] = env.fault_addr;
          env.raised = false;
          if (!deliver_event(env, env.vector, EventKind::Exception, env.error_code))
            return Stop::Shutdown;
          break;
        default: break;
      }
    }
    return Stop::Steps;
  }

  RecordingBus bus;
  CpuState& s;
  // The tests' own view for calling deliver_event directly (its memory is
  // the same RAM; the Loop runner also runs on it).
  ir::GuestEnv env;
  int exceptions = 0;
  uint8_t last_vector = 0;

 private:
  static std::unique_ptr<exec::Cpu> make_cpu(Runner runner, mmu::PhysMemory& phys,
                                             ir::SystemBus& bus) {
    exec::CpuConfig c;
    c.engine = engine_of(runner);
    c.phys = &phys;
    c.bus = &bus;
    return std::make_unique<exec::Cpu>(c);
  }

  // exec::Cpu runs until HLT or a triple fault; a watchdog stops a guest
  // that never gets there (the test then fails on Stop::Steps).
  Stop run_cpu() {
    // A CPU that halted stays halted until an interrupt; a test that runs
    // again means "resume here": reset clears it, the state is put back.
    const CpuState saved = s;
    m_cpu->reset();
    s = saved;
    std::atomic<bool> done{false};
    std::thread watchdog([&] {
      for (int i = 0; i < 500 && !done.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (!done.load()) m_cpu->request_exit();
    });
    const exec::CpuExit e = m_cpu->run();
    done = true;
    watchdog.join();
    switch (e.kind) {
      case exec::ExitKind::Halt: return Stop::Halt;
      case exec::ExitKind::Shutdown: return Stop::Shutdown;
      default: return Stop::Steps;
    }
  }
};

}  // namespace dynemu::x86::test
