#include "tests/unit/x86_native/harness.h"

#include <Zydis/Zydis.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "emulator/x86/lazy_flags.h"
#include "tests/unit/guest_memory.h"
#include "tests/unit/x86_native/layout.h"

namespace dynemu::x86::native {
namespace {

std::string hex_bytes(const std::vector<uint8_t>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

std::string case_line(const Case& c, bool dump) {
  std::string s = hex_bytes(c.code);
  char buf[24];
  for (int r : {0, 1, 2, 3, 5, 6, 7}) {
    std::snprintf(buf, sizeof buf, " %x", c.regs[r]);
    s += buf;
  }
  std::snprintf(buf, sizeof buf, " %x %d", c.eflags, dump ? 1 : 0);
  return s + buf;
}

uint32_t checksum(const uint8_t* p, uint32_t n) {
  uint32_t sum = 0;
  for (uint32_t i = 0; i < n; ++i) sum = sum * 31 + p[i];
  return sum;
}

// Runs the runner over `lines`; returns its stdout split in lines.
Result<std::vector<std::string>> run_runner(const std::string& runner, const std::string& input) {
  static std::atomic<unsigned> counter{0};
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem =
      (dir / ("x86_native_" + std::to_string(getpid()) + "_" + std::to_string(counter++))).string();
  const std::string in_path = stem + ".in", out_path = stem + ".out";
  {
    std::ofstream in(in_path);
    in << input;
    if (!in) return Error{"cannot write " + in_path};
  }
  const std::string cmd = runner + " < " + in_path + " > " + out_path;
  const int status = std::system(cmd.c_str());
  std::vector<std::string> lines;
  std::ifstream out(out_path);
  for (std::string line; std::getline(out, line);) lines.push_back(std::move(line));
  std::filesystem::remove(in_path);
  std::filesystem::remove(out_path);
  if (status != 0) return Error{cmd + " failed with status " + std::to_string(status)};
  return lines;
}

// The signal Linux delivers for a guest exception vector.
int signal_for(const exec::CpuExit& e) {
  if (e.vector == 14 && e.host_signal) return e.host_signal;
  switch (e.vector) {
    case 0:
    case 16: return SIGFPE;
    case 6: return SIGILL;
    case 1:
    case 3: return SIGTRAP;
    case 17: return SIGBUS;
    default: return SIGSEGV;
  }
}

// Stops a run that takes too long (an emulator bug that loops where the
// native code did not) through Cpu::request_exit.
class Watchdog {
 public:
  Watchdog() : m_thread([this] { loop(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_cv.notify_one();
    m_thread.join();
  }
  void arm(exec::Cpu* cpu) {
    {
      std::lock_guard lock(m_mutex);
      m_target = cpu;
      ++m_generation;
      m_fired = false;
    }
    m_cv.notify_one();
  }
  void disarm() {
    std::lock_guard lock(m_mutex);
    m_target = nullptr;
    ++m_generation;
  }
  bool fired() const { return m_fired; }

 private:
  void loop() {
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
      if (!m_target) {
        m_cv.wait(lock);
        continue;
      }
      const uint64_t generation = m_generation;
      if (m_cv.wait_for(lock, std::chrono::seconds(5),
                        [&] { return m_stop || m_generation != generation; }))
        continue;
      m_fired = true;
      m_target->request_exit();
      m_target = nullptr;
    }
  }

  std::mutex m_mutex;
  std::condition_variable m_cv;
  exec::Cpu* m_target = nullptr;
  uint64_t m_generation = 0;
  bool m_stop = false;
  std::atomic<bool> m_fired{false};
  std::thread m_thread;
};

}  // namespace

Result<std::vector<Outcome>> run_native(const std::string& runner, const std::vector<Case>& cases) {
  std::string input;
  for (const Case& c : cases) input += case_line(c, false) + "\n";
  auto lines = TRY(run_runner(runner, input));
  if (lines.size() != cases.size())
    return Error{"native runner answered " + std::to_string(lines.size()) + " of " +
                 std::to_string(cases.size()) + " cases"};
  return lines;
}

Result<Detailed> run_native_detailed(const std::string& runner, const Case& c) {
  auto lines = TRY(run_runner(runner, case_line(c, true) + "\n"));
  const size_t bytes = X86N_DATA_SIZE + 0x1000;
  if (lines.size() != 2 || lines[1].size() != 2 * bytes) return Error{"bad native dump"};
  Detailed d{lines[0], std::vector<uint8_t>(bytes)};
  for (size_t i = 0; i < bytes; ++i)
    d.memory[i] = static_cast<uint8_t>(std::stoul(lines[1].substr(2 * i, 2), nullptr, 16));
  return d;
}

struct Emulator::Impl {
  GuestMemory mem;
  std::unique_ptr<exec::Cpu> cpu;
  Watchdog watchdog;
};

Emulator::Emulator(exec::Engine engine) : m_impl(std::make_unique<Impl>()) {
  exec::install_host_fault_handler();
  m_impl->mem.map(X86N_MAP_BEGIN, X86N_MAP_END - X86N_MAP_BEGIN);
  exec::CpuConfig config;
  config.engine = engine;
  config.guest_base = m_impl->mem.base();
  config.jit_cache_bytes = 4u << 20;  // small: flushes happen in long runs too
  m_impl->cpu = std::make_unique<exec::Cpu>(config);
}

Emulator::~Emulator() = default;

Outcome Emulator::run(const Case& c) {
  GuestMemory& mem = m_impl->mem;
  exec::Cpu& cpu = *m_impl->cpu;
  for (uint32_t i = 0; i < X86N_DATA_SIZE; ++i) *mem.at(X86N_DATA + i) = X86N_DATA_BYTE(i);
  for (uint32_t i = 0; i < 0x1000; ++i) *mem.at(X86N_STACK_PAGE + i) = X86N_STACK_BYTE(i);
  std::memset(mem.at(X86N_CODE), 0, X86N_CODE_MAX + 16);
  std::memcpy(mem.at(X86N_CODE), c.code.data(), c.code.size());
  mem.at(X86N_CODE)[c.code.size()] = 0xcd;  // int 0x80: back to us
  mem.at(X86N_CODE)[c.code.size() + 1] = 0x80;
  cpu.invalidate_code(X86N_CODE, X86N_CODE_MAX + 16);

  CpuState& s = cpu.state();
  for (auto& seg : s.seg) seg = SegmentCache{0x2b, 0, 0xffffffff, 0xcff3};
  s.seg[kCs].selector = 0x23;
  s.cr[0] = 0x80050033;
  std::memcpy(s.gpr, c.regs, sizeof s.gpr);
  s.gpr[kEsp] = X86N_STACK_TOP;
  write_eflags(s, c.eflags);
  s.eip = X86N_CODE;

  m_impl->watchdog.arm(&cpu);
  exec::CpuExit e;
  do e = cpu.run();
  while (e.kind == exec::ExitKind::Request && !m_impl->watchdog.fired());
  m_impl->watchdog.disarm();
  switch (e.kind) {
    case exec::ExitKind::Syscall: break;
    case exec::ExitKind::Exception: return "fault " + std::to_string(signal_for(e));
    case exec::ExitKind::Request: return "timeout";
    default: return "exit kind " + std::to_string(static_cast<int>(e.kind));
  }
  char buf[160];
  std::string out;
  for (uint32_t r : s.gpr) {
    std::snprintf(buf, sizeof buf, "%08x ", r);
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "%08x %08x %08x", read_eflags(s) & X86N_FLAGS_MASK,
                checksum(mem.at(X86N_DATA), X86N_DATA_SIZE),
                checksum(mem.at(X86N_STACK_PAGE), 0x1000));
  return out + buf;
}

std::vector<uint8_t> Emulator::memory() const {
  const GuestMemory& mem = m_impl->mem;
  std::vector<uint8_t> out(X86N_DATA_SIZE + 0x1000);
  std::memcpy(out.data(), mem.at(X86N_DATA), X86N_DATA_SIZE);
  std::memcpy(out.data() + X86N_DATA_SIZE, mem.at(X86N_STACK_PAGE), 0x1000);
  return out;
}

const exec::CpuStats& Emulator::stats() const {
  return m_impl->cpu->stats();
}

std::string describe(const Case& c) {
  std::ostringstream o;
  char buf[96];
  std::snprintf(buf, sizeof buf, "seed %u, eflags %08x\n ", c.seed, c.eflags);
  o << buf;
  static constexpr const char* kNames[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
  for (int r : {0, 1, 2, 3, 5, 6, 7}) {
    std::snprintf(buf, sizeof buf, " %s=%08x", kNames[r], c.regs[r]);
    o << buf;
  }
  o << "\n  code: " << hex_bytes(c.code) << "\n";
  const uint32_t end = c.code_bytes ? c.code_bytes : static_cast<uint32_t>(c.code.size());
  for (uint32_t at = 0; at < end;) {
    ZydisDisassembledInstruction insn;
    const uint32_t eip = X86N_CODE + at;
    const bool ok = ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LEGACY_32, eip,
                                                       c.code.data() + at, end - at, &insn));
    const uint32_t len = ok ? insn.info.length : 1;
    std::string bytes;
    for (uint32_t i = 0; i < len; ++i) {
      std::snprintf(buf, sizeof buf, "%02x", c.code[at + i]);
      bytes += buf;
    }
    std::snprintf(buf, sizeof buf, "  %05x  %-24s ", eip, bytes.c_str());
    o << buf << (ok ? insn.text : "(bad)") << "\n";
    at += len;
  }
  for (uint32_t at = (end + 3) & ~3u; at + 4 <= c.code.size(); at += 4) {
    uint32_t v;
    std::memcpy(&v, &c.code[at], 4);
    std::snprintf(buf, sizeof buf, "  %05x  dd 0x%x\n", X86N_CODE + at, v);
    o << buf;
  }
  return o.str();
}

std::string memory_diff(const std::vector<uint8_t>& native, const std::vector<uint8_t>& emulated,
                        unsigned max) {
  std::string out;
  unsigned shown = 0;
  for (size_t i = 0; i < native.size() && i < emulated.size(); ++i) {
    if (native[i] == emulated[i]) continue;
    if (shown++ == max) {
      out += "  ...\n";
      break;
    }
    const uint32_t addr = i < X86N_DATA_SIZE
                              ? X86N_DATA + static_cast<uint32_t>(i)
                              : X86N_STACK_PAGE + static_cast<uint32_t>(i - X86N_DATA_SIZE);
    char buf[80];
    std::snprintf(buf, sizeof buf, "  [%05x] native %02x emulated %02x\n", addr, native[i],
                  emulated[i]);
    out += buf;
  }
  return out;
}

}  // namespace dynemu::x86::native
