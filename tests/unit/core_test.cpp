#include <gtest/gtest.h>

#include "emulator/core/address.h"
#include "emulator/core/bits.h"
#include "emulator/core/log.h"
#include "emulator/core/result.h"

namespace dynemu {
namespace {

Result<int> half(int v) {
  if (v % 2) return Error{"odd"};
  return v / 2;
}

Result<int> quarter(int v) {
  const int h = TRY(half(v));
  return TRY(half(h));
}

TEST(Result, TryPropagatesValuesAndErrors) {
  EXPECT_EQ(quarter(8).value(), 2);
  const auto r = quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "odd");
}

TEST(Bits, SignExtendAndMasks) {
  EXPECT_EQ(sign_extend(0x80, 8), 0xffffff80u);
  EXPECT_EQ(sign_extend(0x7fff, 16), 0x7fffu);
  EXPECT_EQ(sign_extend(0x80000000u, 32), 0x80000000u);
  EXPECT_EQ(size_mask(1), 0xffu);
  EXPECT_EQ(size_mask(2), 0xffffu);
  EXPECT_EQ(size_mask(4), 0xffffffffu);
  EXPECT_TRUE(parity_even(0x03));
  EXPECT_FALSE(parity_even(0x01));
}

TEST(Address, PageArithmetic) {
  const Linear a(0x12345678);
  EXPECT_EQ(a.page(), 0x12345u);
  EXPECT_EQ(a.page_offset(), 0x678u);
  EXPECT_EQ((a + 8).value, 0x12345680u);
}

TEST(LogMask, ParsesItemsAndRejectsUnknown) {
  const auto m = LogMask::parse("in_asm,exec");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m.value().has(LogItem::InAsm));
  EXPECT_TRUE(m.value().has(LogItem::Exec));
  EXPECT_FALSE(m.value().has(LogItem::Op));
  const auto bad = LogMask::parse("in_asm,bogus");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bogus"), std::string::npos);
}

}  // namespace
}  // namespace dynemu
