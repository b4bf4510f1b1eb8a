// x87 environment and state images (FNSTENV/FLDENV, FNSAVE/FRSTOR in all
// four layouts, FXSAVE/FXRSTOR): layout against the host's own instructions
// and round trips.
#include <gtest/gtest.h>

#include <cstring>

#include "emulator/x86/fpu/fpu_env.h"
#include "emulator/x86/fpu/host_x87.h"

namespace dynemu::x86::fpu {
namespace {

const Float80 kPi{0xc90fdaa22168c235, 0x4000};
const Float80 kZero{0, 0};
const Float80 kDenormal{0x0000000000000001, 0};

// A state with ST(0) = pi, ST(1) = 0, ST(2) = denormal, sticky PE and a
// non-default control word, built by the host itself.
FpuState sample_state(uint8_t host_image[108]) {
  const uint16_t cw = 0x0b7f;
  asm volatile(
      "fninit\n\tfldcw %1\n\tfldt %2\n\tfldt %3\n\tfldt %4\n\tfld1\n\tfidivl %5\n\tfstp %%st(0)\n\t"
      "fnsave %0"
      : "=m"(*(uint8_t(*)[108])host_image)
      : "m"(cw), "m"(kDenormal), "m"(kZero), "m"(kPi), "m"(*(const int32_t*)"\3\0\0\0"));
  FpuState s;
  s.load_image(host_image);
  s.last_ip = 0x00012345;
  s.last_cs = 0x23;
  s.last_opcode = 0x5d9;
  s.last_dp = 0x0006789a;
  s.last_ds = 0x2b;
  return s;
}

bool same_registers(const FpuState& a, const FpuState& b) {
  return a.control == b.control && a.status == b.status && a.tag == b.tag &&
         std::memcmp(a.st, b.st, sizeof a.st) == 0;
}

TEST(FpuEnv, FnsaveImageIsTheHostsWithGuestPointers) {
  uint8_t host_image[108];
  FpuState s = sample_state(host_image);
  const FpuState before = s;
  uint8_t out[108];
  store_state(s, X87ImageFormat::Protected32, out);
  EXPECT_EQ(std::memcmp(out, host_image, 12), 0);            // CW, SW, TW
  EXPECT_EQ(std::memcmp(out + 28, host_image + 28, 80), 0);  // ST(0)..ST(7)
  uint32_t d[7];
  std::memcpy(d, out, sizeof d);
  EXPECT_EQ(d[3], before.last_ip);
  EXPECT_EQ(d[4], 0x23u | 0x5d9u << 16);
  EXPECT_EQ(d[5], before.last_dp);
  EXPECT_EQ(d[6] & 0xffff, 0x2bu);
  // FNSAVE reinitializes: FNINIT's state, pointers cleared.
  EXPECT_EQ(s.control, 0x037f);
  EXPECT_EQ(s.status, 0);
  EXPECT_EQ(s.tag, 0xffff);
  EXPECT_EQ(s.last_ip, 0u);
  EXPECT_EQ(s.last_opcode, 0);
}

TEST(FpuEnv, SixteenBitProtectedLayout) {
  uint8_t host_image[108];
  FpuState s = sample_state(host_image);
  const FpuState before = s;
  uint8_t out[94];
  store_state(s, X87ImageFormat::Protected16, out);
  uint16_t w[7];
  std::memcpy(w, out, sizeof w);
  EXPECT_EQ(w[0], before.control);
  EXPECT_EQ(w[1], before.status);
  EXPECT_EQ(w[2], before.tag);
  EXPECT_EQ(w[3], 0x2345);
  EXPECT_EQ(w[4], 0x23);
  EXPECT_EQ(w[5], 0x789a);
  EXPECT_EQ(w[6], 0x2b);
  EXPECT_EQ(std::memcmp(out + 14, before.st, 80), 0);
}

TEST(FpuEnv, RealModeLayouts) {
  uint8_t host_image[108];
  FpuState s = sample_state(host_image);
  uint8_t out[108];
  FpuState t = s;
  store_state(t, X87ImageFormat::Real32, out);
  uint32_t d[7];
  std::memcpy(d, out, sizeof d);
  EXPECT_EQ(d[3] & 0xffff, 0x2345u);
  EXPECT_EQ(d[4], 0x1u << 12 | 0x5d9);  // FIP[31:16] at bits 12..27, FOP
  EXPECT_EQ(d[5] & 0xffff, 0x789au);
  EXPECT_EQ(d[6], 0x6u << 12);
  t = s;
  store_state(t, X87ImageFormat::Real16, out);
  uint16_t w[7];
  std::memcpy(w, out, sizeof w);
  EXPECT_EQ(w[3], 0x2345);
  EXPECT_EQ(w[4], 0x1 << 12 | 0x5d9);
  EXPECT_EQ(w[5], 0x789a);
  EXPECT_EQ(w[6], 0x6 << 12);
}

TEST(FpuEnv, SaveRestoreRoundTripsInEveryLayout) {
  for (auto format : {X87ImageFormat::Protected32, X87ImageFormat::Protected16,
                      X87ImageFormat::Real32, X87ImageFormat::Real16}) {
    uint8_t host_image[108];
    const FpuState original = sample_state(host_image);
    FpuState s = original;
    uint8_t image[108];
    store_state(s, format, image);
    FpuState r;
    load_state(r, format, image);
    EXPECT_TRUE(same_registers(r, original)) << int(format);
    const bool real = format == X87ImageFormat::Real32 || format == X87ImageFormat::Real16;
    const bool small = format == X87ImageFormat::Protected16 || format == X87ImageFormat::Real16;
    EXPECT_EQ(r.last_ip, small ? original.last_ip & (real ? 0xfffff : 0xffff) : original.last_ip);
    EXPECT_EQ(r.last_dp, small ? original.last_dp & (real ? 0xfffff : 0xffff) : original.last_dp);
    EXPECT_EQ(r.last_cs, real ? 0 : original.last_cs);
    EXPECT_EQ(r.last_opcode, format == X87ImageFormat::Protected16 ? 0 : original.last_opcode);
  }
}

TEST(FpuEnv, FnstenvMasksExceptionsAndFldenvRestores) {
  uint8_t host_image[108];
  FpuState s = sample_state(host_image);
  s.control = 0x0b40;  // everything unmasked
  const FpuState before = s;
  uint8_t env[28];
  store_env(s, X87ImageFormat::Protected32, env);
  EXPECT_EQ(s.control, 0x0b7f);
  EXPECT_EQ(env[0] | env[1] << 8, 0x0b40);
  EXPECT_EQ(s.last_ip, before.last_ip);  // a control instruction
  FpuState r = s;
  load_env(r, X87ImageFormat::Protected32, env);
  EXPECT_EQ(r.control, 0x0b40);
  EXPECT_EQ(std::memcmp(r.st, before.st, sizeof r.st), 0);
  // PE is set and now unmasked: FLDENV recomputes ES and B, as the host does.
  EXPECT_TRUE(r.exception_pending());
  EXPECT_EQ(r.status & (kFpuES | kFpuB), kFpuES | kFpuB);
}

TEST(FpuEnv, FxsaveMatchesTheHostAndRoundTrips) {
  uint8_t host_image[108];
  const FpuState s = sample_state(host_image);
  alignas(16) uint8_t host_fx[512];
  asm volatile("frstor %1\n\tfxsave %0\n\tfninit"
               : "=m"(host_fx)
               : "m"(*(uint8_t(*)[108])host_image));
  uint8_t out[kFxsaveX87Bytes];
  store_fxsave(s, out);
  EXPECT_EQ(std::memcmp(out, host_fx, 6), 0);  // FCW, FSW, abridged FTW
  for (unsigned i = 0; i < 8; ++i)
    EXPECT_EQ(std::memcmp(out + 32 + 16 * i, host_fx + 32 + 16 * i, 10), 0) << i;
  uint32_t fip, fdp;
  std::memcpy(&fip, out + 8, 4);
  std::memcpy(&fdp, out + 16, 4);
  EXPECT_EQ(fip, s.last_ip);
  EXPECT_EQ(fdp, s.last_dp);
  EXPECT_EQ(out[6] | out[7] << 8, 0x5d9);
  FpuState r;
  load_fxsave(r, out);
  EXPECT_TRUE(same_registers(r, s));
  EXPECT_EQ(r.last_ip, s.last_ip);
  EXPECT_EQ(r.last_cs, s.last_cs);
  EXPECT_EQ(r.last_dp, s.last_dp);
  EXPECT_EQ(r.last_ds, s.last_ds);
  EXPECT_EQ(r.last_opcode, s.last_opcode);
}

}  // namespace
}  // namespace dynemu::x86::fpu
