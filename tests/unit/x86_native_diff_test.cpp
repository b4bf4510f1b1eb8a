// The translator, optimizer, CPU loop and both engines (IR interpreter and
// JIT) against this CPU itself: generated i386 code runs natively in
// x86_native/native_runner (gcc -m32) and on exec::Cpu, and registers,
// EFLAGS, the data area and the stack page must agree, including what the
// SDM leaves undefined.
//  - SingleInstructions: one random instruction (often followed by a flag
//    reader) per case, with random registers and flags; faults included.
//  - StraightLineSequences: programs of 16..40 register and memory
//    instructions (x86_native/sequence_generator.h).
//  - BranchingSequences: the same with forward/backward Jcc, loops, LOOP,
//    JECXZ, CALL/RET and indirect jumps, so blocks are split, chained and
//    left through indirect exits.
// Every case has a seed; DYNEMU_X86N_SEED=<seed> runs one sequence seed
// and prints its listing; DYNEMU_X86N_COUNT / DYNEMU_X86N_FIRST run more
// (or other) seeds.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/unit/x86_native/harness.h"
#include "tests/unit/x86_native/sequence_generator.h"
#include "tests/unit/x86_native/single_generator.h"

namespace dynemu::x86::native {
namespace {

constexpr uint32_t kSingleSeed = 20261123;
constexpr int kSingleCount = 30000;
constexpr uint32_t kStraightSeed = 1000000, kBranchSeed = 2000000;
constexpr int kSequenceCount = 2000;

// A failure in full: the case, both outcomes, memory differences, and
// whether it also fails on a fresh CPU (else it depends on what ran before:
// cached or chained translations of earlier cases).
std::string report(const Case& c, const Outcome& native, const Outcome& emulated,
                   Emulator& emulator, exec::Engine engine) {
  std::string s = describe(c);
  s += "  native:   " + native + "\n  emulated: " + emulated + "\n";
  const std::vector<uint8_t> emulated_memory = emulator.memory();
  if (auto detailed = run_native_detailed(DYNEMU_NATIVE_RUNNER, c); detailed.ok())
    s += memory_diff(detailed.value().memory, emulated_memory);
  Emulator fresh(engine);
  s += fresh.run(c) == native ? "  (agrees when run alone on a fresh CPU)\n"
                              : "  (also differs when run alone on a fresh CPU)\n";
  return s;
}

void check(const std::vector<Case>& cases, exec::Engine engine, bool must_finish) {
  auto native = run_native(DYNEMU_NATIVE_RUNNER, cases);
  ASSERT_TRUE(native.ok()) << native.error().message;
  Emulator emulator(engine);
  unsigned mismatches = 0, bad_cases = 0, timeouts = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Outcome& expected = native.value()[i];
    // Generated sequences never fault or loop on a real CPU: if one does,
    // the generator is wrong, not the emulator.
    if (must_finish && (expected.starts_with("fault") || expected == "timeout")) {
      if (++bad_cases <= 3)
        ADD_FAILURE() << "generator bug: native " << expected << "\n" << describe(cases[i]);
      continue;
    }
    const Outcome emulated = emulator.run(cases[i]);
    if (emulated != expected && ++mismatches <= 3)
      ADD_FAILURE() << report(cases[i], expected, emulated, emulator, engine);
    // Each emulated hang costs the watchdog's seconds: stop after a few.
    if (emulated == "timeout" && ++timeouts == 3) {
      ADD_FAILURE() << "3 cases did not finish; the remaining " << cases.size() - i - 1
                    << " were not run";
      break;
    }
  }
  const exec::CpuStats& st = emulator.stats();
  std::printf("%zu cases: %" PRIu64 " blocks translated (%" PRIu64 " guest instructions), %" PRIu64
              " run, %" PRIu64 " chained, %" PRIu64 " JIT links\n",
              cases.size(), st.blocks_translated, st.guest_insns_translated, st.blocks_executed,
              st.chained, st.jit_links);
  EXPECT_EQ(mismatches, 0u) << "of " << cases.size() << " cases";
  EXPECT_EQ(bad_cases, 0u);
}

std::vector<Case> sequences(uint32_t first_seed, int count, bool branches) {
  std::vector<Case> cases;
  if (const char* only = std::getenv("DYNEMU_X86N_SEED")) {
    const auto seed = static_cast<uint32_t>(std::strtoul(only, nullptr, 0));
    cases.push_back(generate_sequence(seed, branches));
    std::printf("%s", describe(cases.back()).c_str());
    return cases;
  }
  // Longer soak runs: DYNEMU_X86N_COUNT sequences from seed + DYNEMU_X86N_FIRST.
  if (const char* n = std::getenv("DYNEMU_X86N_COUNT")) count = std::atoi(n);
  if (const char* f = std::getenv("DYNEMU_X86N_FIRST"))
    first_seed += static_cast<uint32_t>(std::strtoul(f, nullptr, 0));
  for (int i = 0; i < count; ++i)
    cases.push_back(generate_sequence(first_seed + static_cast<uint32_t>(i), branches));
  return cases;
}

class X86NativeDiff : public ::testing::TestWithParam<exec::Engine> {};

TEST_P(X86NativeDiff, SingleInstructions) {
  check(single_instruction_cases(kSingleSeed, kSingleCount), GetParam(), false);
}

TEST_P(X86NativeDiff, StraightLineSequences) {
  check(sequences(kStraightSeed, kSequenceCount, false), GetParam(), true);
}

TEST_P(X86NativeDiff, BranchingSequences) {
  check(sequences(kBranchSeed, kSequenceCount, true), GetParam(), true);
}

// Cpu::invalidate_code (mmap/munmap over code) drops blocks that JIT
// links point into or out of; the links must be gone before the dropped
// blocks are freed at the next run() (under ASan: no heap-use-after-free).
TEST_P(X86NativeDiff, InvalidateCodeBetweenRunsWithChainedBlocks) {
  Case loop;
  loop.code = {0xb9, 0x03, 0x00, 0x00, 0x00,  // mov ecx, 3
               0x40,                          // top: inc eax
               0x49,                          // dec ecx
               0x75, 0xfc};                   // jnz top (chains to itself)
  Emulator emulator(GetParam());
  EXPECT_EQ(emulator.run(loop).substr(0, 8), "00000003");
  // Runs again after invalidate_code dropped (and the next run freed) the
  // linked blocks.
  EXPECT_EQ(emulator.run(loop).substr(0, 8), "00000003");
  loop.code[1] = 0x05;  // mov ecx, 5: other code at the same address
  EXPECT_EQ(emulator.run(loop).substr(0, 8), "00000005");
}

INSTANTIATE_TEST_SUITE_P(native, X86NativeDiff,
                         ::testing::Values(exec::Engine::Interp, exec::Engine::Jit),
                         [](const auto& info) {
                           return info.param == exec::Engine::Jit ? std::string("jit")
                                                                  : std::string("interp");
                         });

}  // namespace
}  // namespace dynemu::x86::native
