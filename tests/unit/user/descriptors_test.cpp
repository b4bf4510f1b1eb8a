#include "emulator/user/descriptors.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

namespace dynemu::user {
namespace {

using abi::UserDesc;

// What glibc passes to set_thread_area for its TLS block.
UserDesc tls_desc(uint32_t base) {
  return {0xffffffff, base, 0xfffff, abi::kUdSeg32 | abi::kUdLimitInPages | abi::kUdUseable};
}

TEST(DescriptorsEncode, MatchesLinuxFillLdt) {
  // base 0x12345678, limit 0xfffff pages, writable data, DPL 3, present,
  // AVL, 32-bit, accessed (Linux sets it).
  EXPECT_EQ(Descriptors::encode(tls_desc(0x12345678)), 0x12dff334'5678ffffull);
  const UserDesc back = Descriptors::decode(0x12dff334'5678ffffull, 12);
  EXPECT_EQ(back.base_addr, 0x12345678u);
  EXPECT_EQ(back.limit, 0xfffffu);
  EXPECT_EQ(back.flags, tls_desc(0).flags);
  EXPECT_EQ(back.entry_number, 12u);
}

TEST(DescriptorsEncode, SegmentCacheFromDescriptor) {
  const auto c = Descriptors::cache_of(0x63, 0x12dff334'5678ffffull);
  EXPECT_EQ(c.selector, 0x63);
  EXPECT_EQ(c.base, 0x12345678u);
  EXPECT_EQ(c.limit, 0xffffffffu);  // page granular
  EXPECT_EQ(c.flags, 0xdff3u);      // descriptor high dword bits 8..23
}

class DescriptorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(space.reserve().ok());
    ASSERT_TRUE(desc.install(state).ok());
  }
  GuestSpace space;
  Descriptors desc{space};
  x86::CpuState state;
};

TEST_F(DescriptorsTest, FlatUserSegments) {
  EXPECT_EQ(state.seg[x86::kCs].selector, 0x23);
  EXPECT_EQ(state.seg[x86::kDs].selector, 0x2b);
  EXPECT_EQ(state.seg[x86::kSs].selector, 0x2b);
  EXPECT_EQ(state.seg[x86::kCs].base, 0u);
  EXPECT_EQ(state.seg[x86::kCs].limit, 0xffffffffu);
  EXPECT_TRUE(state.seg[x86::kCs].flags & (1u << 14));  // D: 32-bit code
  EXPECT_EQ(state.gdtr.base, Descriptors::kGdtAddr);
  EXPECT_TRUE(state.cr[0] & 1);
  // The guest can read its GDT but not write it.
  uint64_t d = 0;
  EXPECT_TRUE(space.read_obj(Descriptors::kGdtAddr + 4 * 8, d));
  EXPECT_EQ(d, desc.gdt_entry(4));
  EXPECT_FALSE(space.writable(Descriptors::kGdtAddr, 8));
}

TEST_F(DescriptorsTest, SetThreadAreaPicksTheFirstFreeTlsSlot) {
  UserDesc d = tls_desc(0x08100000);
  ASSERT_EQ(desc.set_thread_area(state, d), 0);
  EXPECT_EQ(d.entry_number, 12u);  // %gs = 0x63, as on an x86-64 kernel
  UserDesc e = tls_desc(0x08200000);
  ASSERT_EQ(desc.set_thread_area(state, e), 0);
  EXPECT_EQ(e.entry_number, 13u);
  UserDesc got{12, 0, 0, 0};
  ASSERT_EQ(desc.get_thread_area(got), 0);
  EXPECT_EQ(got.base_addr, 0x08100000u);
  EXPECT_EQ(got.flags, d.flags);
  UserDesc bad = tls_desc(0);
  bad.entry_number = 5;
  EXPECT_EQ(desc.set_thread_area(state, bad), -EINVAL);
  ASSERT_TRUE(desc.load_segment(state, x86::kGs, 0x63));
  EXPECT_EQ(state.seg[x86::kGs].base, 0x08100000u);
}

TEST_F(DescriptorsTest, ModifyLdtMakesABasedDataSegment) {
  ASSERT_TRUE(
      space
          .map_fixed(0x10000000, 0x1000, kProtRead | kProtWrite, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
          .ok());
  UserDesc d{1, 0x00012340, 0xffff, 0};  // 16-bit data segment, byte granular
  ASSERT_TRUE(space.write_obj(0x10000000, d));
  ASSERT_EQ(desc.modify_ldt(state, 0x11, 0x10000000, sizeof d), 0);
  EXPECT_EQ(state.ldtr.limit, 15u);
  EXPECT_EQ(state.ldtr.base, Descriptors::kLdtAddr);
  // Selector 0x0f: LDT entry 1, RPL 3.
  ASSERT_TRUE(desc.load_segment(state, x86::kEs, 0x0f));
  EXPECT_EQ(state.seg[x86::kEs].base, 0x12340u);
  EXPECT_EQ(state.seg[x86::kEs].limit, 0xffffu);
  // Reading it back returns the two entries written so far.
  EXPECT_EQ(desc.modify_ldt(state, 0, 0x10000100, 64), 16);
  uint64_t raw[2];
  ASSERT_TRUE(space.read(0x10000100, raw, sizeof raw));
  EXPECT_EQ(raw[0], 0u);
  EXPECT_EQ(raw[1], Descriptors::encode(d));
  EXPECT_EQ(desc.modify_ldt(state, 0x11, 0x10000000, 4), -EINVAL);
  EXPECT_EQ(desc.modify_ldt(state, 0x11, 0x20000000, sizeof d), -EFAULT);
}

}  // namespace
}  // namespace dynemu::user
