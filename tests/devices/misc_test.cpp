#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hw/core/io_bus.h"
#include "hw/misc/debug_exit.h"
#include "hw/misc/debugcon.h"
#include "hw/misc/post_port.h"

namespace dynemu::misc {
namespace {

TEST(DebugCon, ReadsBackE9AndForwardsBytes) {
  hw::IoBus io;
  std::string log;
  DebugCon con([&](uint8_t b) { log.push_back(static_cast<char>(b)); });
  con.map_ports(io);
  // SeaBIOS enables its log only when the port reads back 0xE9.
  EXPECT_EQ(io.read(0x402, 1), 0xe9u);
  for (char c : std::string("SeaBIOS\n")) io.write(0x402, 1, static_cast<uint8_t>(c));
  io.write(0x402, 2, 'o' | 'k' << 8);  // wider accesses are dropped, as on QEMU
  EXPECT_EQ(log, "SeaBIOS\n");
  EXPECT_EQ(io.read(0x402, 2), 0u);
  EXPECT_EQ(io.read(0x403, 1), 0xffu);
}

TEST(PostPort, KeepsTheLastCode) {
  hw::IoBus io;
  PostPort post;
  std::vector<uint8_t> seen;
  post.set_observer([&](uint8_t c) { seen.push_back(c); });
  post.map_ports(io);
  EXPECT_EQ(io.read(0x80, 1), 0u);
  io.write(0x80, 1, 0x12);
  io.write(0x80, 1, 0x34);
  EXPECT_EQ(post.last_code(), 0x34);
  EXPECT_EQ(io.read(0x80, 1), 0x34u);
  EXPECT_EQ(seen, (std::vector<uint8_t>{0x12, 0x34}));
  post.reset();
  EXPECT_EQ(io.read(0x80, 1), 0u);
}

TEST(DebugExit, RequestsStatusShiftedWithLowBitSet) {
  hw::IoBus io;
  std::vector<int> exits;
  DebugExit dev([&](int status) { exits.push_back(status); });
  dev.map_ports(io);
  io.write(0x501, 1, 0);
  io.write(0x502, 1, 0x10);
  io.write(0x501, 2, 0x21);
  io.write(0x503, 1, 5);  // outside the two ports
  EXPECT_EQ(exits, (std::vector<int>{1, 0x21, 0x43}));
  EXPECT_EQ(io.read(0x501, 1), 0u);
}

}  // namespace
}  // namespace dynemu::misc
