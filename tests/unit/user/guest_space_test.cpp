#include "emulator/user/guest_space.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>

namespace dynemu::user {
namespace {

class GuestSpaceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(space.reserve().ok()); }
  GuestSpace space;
};

constexpr int kAnon = MAP_PRIVATE | MAP_ANONYMOUS;

TEST_F(GuestSpaceTest, GuestAddressIsHostBasePlusAddress) {
  ASSERT_TRUE(space.map_fixed(0x08048000, 0x2000, kProtRead | kProtWrite, kAnon, -1, 0).ok());
  const uint32_t v = 0x12345678;
  ASSERT_TRUE(space.write_obj(0x08048ffe, v));  // crosses a page
  uint32_t back = 0;
  memcpy(&back, space.base() + 0x08048ffe, 4);
  EXPECT_EQ(back, v);
  EXPECT_EQ(space.host(0x08048000), space.base() + 0x08048000);
}

TEST_F(GuestSpaceTest, PointerChecksFollowProtection) {
  ASSERT_TRUE(space.map_fixed(0x10000000, 0x1000, kProtRead, kAnon, -1, 0).ok());
  EXPECT_TRUE(space.readable(0x10000000, 0x1000));
  EXPECT_FALSE(space.readable(0x10000000, 0x1001));  // runs into an unmapped page
  EXPECT_FALSE(space.writable(0x10000000, 4));
  uint32_t v = 1;
  EXPECT_FALSE(space.write_obj(0x10000000, v));
  EXPECT_FALSE(space.readable(0xfffffff0, 0x20));  // past 4 GiB
  EXPECT_FALSE(GuestSpace::in_range(0xffffff00, 0x200));
  EXPECT_TRUE(GuestSpace::in_range(0xffffff00, 0x100));
  EXPECT_EQ(space.protect(0x10000000, 0x1000, kProtRead | kProtWrite), 0);
  EXPECT_TRUE(space.write_obj(0x10000000, v));
  EXPECT_EQ(space.protect(0x20000000, 0x1000, kProtRead), -ENOMEM);
}

TEST_F(GuestSpaceTest, UnmapKeepsTheHoleReservedAndFree) {
  ASSERT_TRUE(space.map_fixed(0x20000000, 0x3000, kProtRead | kProtWrite, kAnon, -1, 0).ok());
  space.unmap(0x20001000, 0x1000);
  EXPECT_TRUE(space.page_mapped(0x20000000));
  EXPECT_FALSE(space.page_mapped(0x20001000));
  EXPECT_TRUE(space.is_free(0x20001000, 0x1000));
  EXPECT_FALSE(space.readable(0x20001000, 1));
}

TEST_F(GuestSpaceTest, AllocatorIsTopDownBelowTheMmapTop) {
  const uint32_t a = space.find_free(0x5000);
  EXPECT_EQ(a, GuestSpace::kMmapTop - 0x5000);
  ASSERT_TRUE(space.map_fixed(a, 0x5000, kProtRead, kAnon, -1, 0).ok());
  const uint32_t b = space.find_free(0x1000);
  EXPECT_EQ(b, a - 0x1000);
  // A free hint is honoured; a taken one is not.
  EXPECT_EQ(space.find_free(0x1000, 0x30000000), 0x30000000u);
  EXPECT_EQ(space.find_free(0x1000, a), b);
}

TEST_F(GuestSpaceTest, ReadStringStopsAtUnmappedMemory) {
  ASSERT_TRUE(space.map_fixed(0x40000000, 0x1000, kProtRead | kProtWrite, kAnon, -1, 0).ok());
  const char text[] = "hello";
  ASSERT_TRUE(space.write(0x40000000, text, sizeof text));
  std::string s;
  EXPECT_TRUE(space.read_string(0x40000000, s));
  EXPECT_EQ(s, "hello");
  memset(space.host(0x40000000), 'x', 0x1000);  // no terminator before the page ends
  EXPECT_FALSE(space.read_string(0x40000000, s, 0x2000));
  EXPECT_FALSE(space.read_string(0x50000000, s));
}

TEST_F(GuestSpaceTest, RemapGrowsInPlaceOrMoves) {
  ASSERT_TRUE(space.map_fixed(0x60000000, 0x1000, kProtRead | kProtWrite, kAnon, -1, 0).ok());
  const uint32_t v = 0xabcdef01;
  ASSERT_TRUE(space.write_obj(0x60000000, v));
  EXPECT_EQ(space.remap(0x60000000, 0x1000, 0x3000, false, false, 0), 0x60000000);
  EXPECT_TRUE(space.writable(0x60000000, 0x3000));
  // Something right behind it: growing must move.
  ASSERT_TRUE(space.map_fixed(0x60003000, 0x1000, kProtRead, kAnon, -1, 0).ok());
  EXPECT_EQ(space.remap(0x60000000, 0x3000, 0x5000, false, false, 0), -ENOMEM);
  const int64_t moved = space.remap(0x60000000, 0x3000, 0x5000, true, false, 0);
  ASSERT_GT(moved, 0);
  EXPECT_NE(moved, 0x60000000);
  uint32_t back = 0;
  EXPECT_TRUE(space.read_obj(uint32_t(moved), back));
  EXPECT_EQ(back, v);
  EXPECT_FALSE(space.page_mapped(0x60000000));
  // Shrinking unmaps the tail.
  EXPECT_EQ(space.remap(uint32_t(moved), 0x5000, 0x1000, false, false, 0), moved);
  EXPECT_FALSE(space.page_mapped(uint32_t(moved) + 0x1000));
}

}  // namespace
}  // namespace dynemu::user
