#include "hw/input/i8042.h"

#include <gtest/gtest.h>

#include <vector>

#include "hw/core/io_bus.h"
#include "hw/input/scancodes.h"

namespace dynemu::hw {
namespace {

class KbcTest : public ::testing::Test {
 protected:
  KbcTest() {
    kbc.attach(bus);
    kbc.irq1() = IrqLine([this](bool l) { irq1 = l; });
    kbc.irq12() = IrqLine([this](bool l) { irq12 = l; });
    kbc.a20() = IrqLine([this](bool l) { a20.push_back(l); });
    kbc.set_reset_request([this] { ++resets; });
  }
  uint8_t status() { return bus.read(0x64, 1); }
  void cmd(uint8_t c) { bus.write(0x64, 1, c); }
  void data(uint8_t d) { bus.write(0x60, 1, d); }
  // Reads everything waiting in the output buffer.
  std::vector<uint8_t> drain() {
    std::vector<uint8_t> out;
    while (status() & 1) out.push_back(bus.read(0x60, 1));
    return out;
  }
  void set_command_byte(uint8_t v) {
    cmd(0x60);
    data(v);
  }

  IoBus bus;
  I8042 kbc;
  bool irq1 = false, irq12 = false;
  std::vector<bool> a20;
  int resets = 0;
};

using Bytes = std::vector<uint8_t>;

TEST_F(KbcTest, SelfTestAndInterfaceTests) {
  EXPECT_EQ(status() & 0x04, 0);  // SYS flag clear after power-on
  cmd(0xaa);
  EXPECT_EQ(status() & 0x05, 0x05);
  EXPECT_EQ(drain(), Bytes{0x55});
  cmd(0xab);
  EXPECT_EQ(drain(), Bytes{0x00});
  cmd(0xa9);
  EXPECT_EQ(drain(), Bytes{0x00});
  cmd(0xa4);
  EXPECT_EQ(drain(), Bytes{0xf1});
  EXPECT_EQ(status() & 0x08, 0x08);  // last write was a command
  data(0xf4);
  EXPECT_EQ(status() & 0x08, 0x00);
}

TEST_F(KbcTest, CommandByteReadWriteAndSysFlag) {
  cmd(0x20);
  EXPECT_EQ(drain(), Bytes{0x03});
  set_command_byte(0x65);
  EXPECT_EQ(status() & 0x04, 0x04);
  cmd(0x20);
  EXPECT_EQ(drain(), Bytes{0x65});
  cmd(0x75);  // internal RAM byte 0x15
  data(0x42);
  cmd(0x35);
  EXPECT_EQ(drain(), Bytes{0x42});
}

TEST_F(KbcTest, A20ThroughOutputPortAndFastCommands) {
  cmd(0xd0);
  const Bytes op = drain();
  ASSERT_EQ(op.size(), 1u);
  EXPECT_EQ(op[0] & 0x03, 0x03);  // A20 on, reset line high
  cmd(0xd1);
  data(0xdd);  // A20 off
  cmd(0xd1);
  data(0xdf);  // A20 on (what Linux and SeaBIOS write)
  cmd(0xff);   // the null pulse Linux sends afterwards
  cmd(0xdd);
  cmd(0xdf);
  // The first true: connecting the line while A20 is on reports it.
  EXPECT_EQ(a20, (std::vector<bool>{true, false, true, false, true}));
  EXPECT_EQ(resets, 0);
  EXPECT_TRUE(kbc.output_port() & 2);
}

TEST_F(KbcTest, ResetLine) {
  cmd(0xfe);
  EXPECT_EQ(resets, 1);
  cmd(0xd1);
  data(0xde);  // bit 0 low
  EXPECT_EQ(resets, 2);
}

TEST_F(KbcTest, KeyboardResetIdentifyEchoAndLeds) {
  data(0xff);
  EXPECT_TRUE(irq1);
  EXPECT_EQ(drain(), (Bytes{0xfa, 0xaa}));
  EXPECT_FALSE(irq1);
  data(0xf2);
  EXPECT_EQ(drain(), (Bytes{0xfa, 0xab, 0x83}));
  data(0xee);
  EXPECT_EQ(drain(), Bytes{0xee});
  data(0xed);
  data(0x05);
  EXPECT_EQ(drain(), (Bytes{0xfa, 0xfa}));
  EXPECT_EQ(kbc.keyboard().leds(), 5);
  data(0x12);  // not a command
  EXPECT_EQ(drain(), Bytes{0xfe});
}

TEST_F(KbcTest, TranslatedIdentifyAndScancodeSetQuery) {
  set_command_byte(0x41);  // translate + IRQ1
  data(0xf2);
  EXPECT_EQ(drain(), (Bytes{0xfa, 0xab, 0x41}));
  data(0xf0);
  data(0x00);
  EXPECT_EQ(drain(), (Bytes{0xfa, 0xfa, 0x41}));  // set 2, translated
}

TEST_F(KbcTest, KeysTranslatedToSet1) {
  set_command_byte(0x61);  // what SeaBIOS leaves: translate, SYS, IRQ1
  auto& kb = kbc.keyboard();
  kb.key_event(*key_from_dom_code("KeyA"), true);
  kb.key_event(*key_from_dom_code("KeyA"), false);
  EXPECT_EQ(drain(), (Bytes{0x1e, 0x9e}));
  kb.key_event(*key_from_dom_code("ArrowLeft"), true);
  kb.key_event(*key_from_dom_code("ArrowLeft"), false);
  EXPECT_EQ(drain(), (Bytes{0xe0, 0x4b, 0xe0, 0xcb}));
  kb.key_event(*key_from_dom_code("F7"), true);
  EXPECT_EQ(drain(), Bytes{0x41});
  kb.key_event(kKeyPause, true);
  EXPECT_EQ(drain(), (Bytes{0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5}));
  kb.key_event(kKeyPrintScreen, true);
  kb.key_event(kKeyPrintScreen, false);
  EXPECT_EQ(drain(), (Bytes{0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa}));
}

TEST_F(KbcTest, RawSet2AndKeyboardSet1) {
  set_command_byte(0x01);  // no translation
  auto& kb = kbc.keyboard();
  kb.key_event(0x1c, true);
  kb.key_event(0x1c, false);
  kb.key_event(0xe075, false);
  EXPECT_EQ(drain(), (Bytes{0x1c, 0xf0, 0x1c, 0xe0, 0xf0, 0x75}));
  data(0xf0);
  data(0x01);
  EXPECT_EQ(drain(), (Bytes{0xfa, 0xfa}));
  kb.key_event(0x1c, true);
  kb.key_event(0x1c, false);
  EXPECT_EQ(drain(), (Bytes{0x1e, 0x9e}));
}

TEST_F(KbcTest, OneByteAtATimeWithAnIrqEdgeEach) {
  set_command_byte(0x61);
  int edges = 0;
  kbc.irq1() = IrqLine([&](bool l) { edges += l; });
  kbc.keyboard().key_event(0x1c, true);
  kbc.keyboard().key_event(0x1c, false);
  EXPECT_EQ(edges, 1);
  EXPECT_EQ(bus.read(0x60, 1), 0x1eu);
  EXPECT_EQ(edges, 2);  // the next byte is loaded: a new edge
  EXPECT_EQ(bus.read(0x60, 1), 0x9eu);
  EXPECT_EQ(status() & 1, 0);
}

TEST_F(KbcTest, DisabledKeyboardPortHoldsBytes) {
  set_command_byte(0x61);
  cmd(0xad);
  kbc.keyboard().key_event(0x1c, true);
  EXPECT_EQ(status() & 1, 0);
  cmd(0xae);
  EXPECT_EQ(drain(), Bytes{0x1e});
  // Scanning disabled by the keyboard command: keys are dropped.
  data(0xf5);
  EXPECT_EQ(drain(), Bytes{0xfa});
  EXPECT_FALSE(kbc.keyboard().key_event(0x1c, true));
  EXPECT_EQ(status() & 1, 0);
}

TEST_F(KbcTest, MouseThroughD4WithIrq12AndAuxStatus) {
  set_command_byte(0x47);  // translate, SYS, IRQ1, IRQ12
  cmd(0xa8);
  cmd(0xd4);
  data(0xff);
  EXPECT_TRUE(irq12);
  EXPECT_FALSE(irq1);
  EXPECT_EQ(status() & 0x21, 0x21);
  EXPECT_EQ(drain(), (Bytes{0xfa, 0xaa, 0x00}));
  // Streaming packets once enabled.
  cmd(0xd4);
  data(0xf4);
  EXPECT_EQ(drain(), Bytes{0xfa});
  kbc.mouse().move(5, 3, 0, Ps2Mouse::kLeft);  // 3 down on screen = -3 in PS/2
  EXPECT_EQ(drain(), (Bytes{0x29, 0x05, 0xfd}));
  kbc.mouse().move(-300, 0, 0, 0);
  EXPECT_EQ(drain(), (Bytes{0x18, 0x01, 0x00, 0x18, 0xd3, 0x00}));  // -255, then -45
}

TEST_F(KbcTest, MouseStatusResolutionAndIntelliMouseKnock) {
  auto send = [&](std::initializer_list<uint8_t> bytes) {
    for (uint8_t b : bytes) {
      cmd(0xd4);
      data(b);
    }
    return drain();
  };
  set_command_byte(0x47);
  EXPECT_EQ(send({0xf2}), (Bytes{0xfa, 0x00}));
  EXPECT_EQ(send({0xe8, 0x03, 0xe9}), (Bytes{0xfa, 0xfa, 0xfa, 0x00, 0x03, 100}));
  EXPECT_EQ(send({0xf3, 200, 0xf3, 100, 0xf3, 80, 0xf2}),
            (Bytes{0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x03}));
  send({0xf4});
  kbc.mouse().move(0, 0, 2, 0);
  EXPECT_EQ(drain(), (Bytes{0x08, 0x00, 0x00, 0x02}));
  EXPECT_EQ(send({0xf3, 200, 0xf3, 200, 0xf3, 80, 0xf2}),
            (Bytes{0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x04}));
  EXPECT_EQ(send({0xe9}), (Bytes{0xfa, 0x20, 0x03, 80}));
  EXPECT_EQ(send({0xff}), (Bytes{0xfa, 0xaa, 0x00}));
  EXPECT_EQ(kbc.mouse().device_id(), 0);
  EXPECT_EQ(send({0xab}), Bytes{0xfe});
}

TEST_F(KbcTest, MouseRemoteModeAndWrap) {
  auto send = [&](uint8_t b) {
    cmd(0xd4);
    data(b);
    return drain();
  };
  set_command_byte(0x47);
  send(0xf0);  // remote
  kbc.mouse().move(7, 0, 0, 0);
  EXPECT_EQ(status() & 1, 0);
  EXPECT_EQ(send(0xeb), (Bytes{0xfa, 0x08, 0x07, 0x00}));
  send(0xee);  // wrap
  EXPECT_EQ(send(0x12), Bytes{0x12});
  EXPECT_EQ(send(0xec), Bytes{0xfa});
}

TEST_F(KbcTest, WriteOutputBuffersAndDisabledAux) {
  set_command_byte(0x47);
  cmd(0xd2);
  data(0x99);
  EXPECT_TRUE(irq1);
  EXPECT_EQ(drain(), Bytes{0x99});
  cmd(0xd3);
  data(0x77);
  EXPECT_TRUE(irq12);
  EXPECT_EQ(drain(), Bytes{0x77});
  cmd(0xa7);  // disable aux
  cmd(0x20);
  EXPECT_EQ(drain(), Bytes{0x67});
  cmd(0xd4);
  data(0xf2);
  EXPECT_EQ(status() & 1, 0);  // the mouse's reply waits
  cmd(0xa8);
  EXPECT_EQ(drain(), (Bytes{0xfa, 0x00}));
}

TEST(Scancodes, DomCodesAndTranslation) {
  EXPECT_EQ(key_from_dom_code("Enter"), 0x5a);
  EXPECT_EQ(key_from_dom_code("NumpadEnter"), 0xe05a);
  EXPECT_EQ(key_from_dom_code("ControlRight"), 0xe014);
  EXPECT_EQ(key_from_dom_code("Escape"), 0x76);
  EXPECT_FALSE(key_from_dom_code("NoSuchKey").has_value());
  EXPECT_EQ(set2_to_set1(0x5a), 0x1c);
  EXPECT_EQ(set2_to_set1(0x76), 0x01);
  EXPECT_EQ(set2_to_set1(0x83), 0x41);
  EXPECT_EQ(set2_to_set1(0xfa), 0xfa);
}

}  // namespace
}  // namespace dynemu::hw
