#include "hw/intc/i8259.h"

#include <gtest/gtest.h>

#include "hw/core/io_bus.h"

namespace dynemu::hw {
namespace {

// The PC BIOS/Linux initialization: master base 0x20 (here 0x08 as the BIOS
// does), slave base 0x70, cascade on IR2, 8086 mode.
class PicTest : public ::testing::Test {
 protected:
  PicTest() {
    pic.attach(bus);
    pic.intr() = IrqLine([this](bool l) { intr = l; });
  }
  void init(uint8_t icw4 = 0x01, uint8_t master_base = 0x08, uint8_t slave_base = 0x70) {
    bus.write(0x20, 1, 0x11);
    bus.write(0x21, 1, master_base);
    bus.write(0x21, 1, 0x04);
    bus.write(0x21, 1, icw4);
    bus.write(0xa0, 1, 0x11);
    bus.write(0xa1, 1, slave_base);
    bus.write(0xa1, 1, 0x02);
    bus.write(0xa1, 1, icw4);
    bus.write(0x21, 1, 0x00);
    bus.write(0xa1, 1, 0x00);
  }
  void eoi_master() { bus.write(0x20, 1, 0x20); }
  void eoi_slave() { bus.write(0xa0, 1, 0x20); }
  uint8_t read_isr(uint16_t cmd) {
    bus.write(cmd, 1, 0x0b);
    const uint8_t v = bus.read(cmd, 1);
    bus.write(cmd, 1, 0x0a);
    return v;
  }

  IoBus bus;
  I8259 pic;
  bool intr = false;
};

TEST_F(PicTest, EdgeRequestDeliversVectorAndWaitsForEoi) {
  init();
  pic.set_irq(0, true);
  EXPECT_TRUE(intr);
  EXPECT_EQ(bus.read(0x20, 1), 0x01u);  // IRR
  EXPECT_EQ(pic.acknowledge(), 0x08);
  EXPECT_FALSE(intr);
  EXPECT_EQ(read_isr(0x20), 0x01);
  EXPECT_EQ(bus.read(0x20, 1), 0x00u);  // edge request consumed
  // The input is still high: no new edge, no new request.
  pic.set_irq(0, false);
  pic.set_irq(0, true);  // a new edge while IR0 is in service: held in IRR
  EXPECT_FALSE(intr);
  eoi_master();
  EXPECT_TRUE(intr);
  EXPECT_EQ(pic.acknowledge(), 0x08);
  EXPECT_EQ(pic.acknowledge(), -1);
}

TEST_F(PicTest, FixedPriorityAndNesting) {
  init();
  pic.set_irq(4, true);
  pic.set_irq(1, true);
  EXPECT_EQ(pic.acknowledge(), 0x09);  // IR1 beats IR4
  EXPECT_FALSE(intr);                  // IR4 blocked by IR1 in service
  pic.set_irq(0, true);                // higher priority nests
  EXPECT_TRUE(intr);
  EXPECT_EQ(pic.acknowledge(), 0x08);
  EXPECT_EQ(read_isr(0x20), 0x03);
  eoi_master();  // non-specific: clears the highest (IR0)
  EXPECT_EQ(read_isr(0x20), 0x02);
  EXPECT_FALSE(intr);
  eoi_master();
  EXPECT_EQ(pic.acknowledge(), 0x0c);
}

TEST_F(PicTest, MaskedRequestsStayInIrr) {
  init();
  bus.write(0x21, 1, 0x08);  // mask IR3
  EXPECT_EQ(bus.read(0x21, 1), 0x08u);
  pic.set_irq(3, true);
  EXPECT_FALSE(intr);
  EXPECT_EQ(bus.read(0x20, 1), 0x08u);
  bus.write(0x21, 1, 0x00);
  EXPECT_TRUE(intr);
  EXPECT_EQ(pic.acknowledge(), 0x0b);
}

TEST_F(PicTest, CascadeNeedsBothEois) {
  init();
  pic.set_irq(14, true);
  EXPECT_TRUE(intr);
  EXPECT_EQ(pic.acknowledge(), 0x76);
  EXPECT_EQ(read_isr(0x20), 0x04);  // cascade IR2 in service on the master
  EXPECT_EQ(read_isr(0xa0), 0x40);
  pic.set_irq(14, false);
  pic.set_irq(12, true);  // higher priority on the slave, but the master's IR2 is in service
  EXPECT_FALSE(intr);
  eoi_slave();
  EXPECT_FALSE(intr);
  eoi_master();
  EXPECT_TRUE(intr);
  EXPECT_EQ(pic.acknowledge(), 0x74);
}

TEST_F(PicTest, SpecialFullyNestedLetsHigherSlaveRequestsNest) {
  init(0x11);  // SFNM + 8086
  pic.set_irq(14, true);
  EXPECT_EQ(pic.acknowledge(), 0x76);
  pic.set_irq(12, true);
  EXPECT_TRUE(intr);
  EXPECT_EQ(pic.acknowledge(), 0x74);
}

TEST_F(PicTest, LevelTriggeredThroughElcr) {
  init();
  bus.write(0x4d1, 1, 0xff);             // ask for all slave inputs level
  EXPECT_EQ(bus.read(0x4d1, 1), 0xdeu);  // IRQ8 and IRQ13 are always edge
  bus.write(0x4d0, 1, 0xff);
  EXPECT_EQ(bus.read(0x4d0, 1), 0xf8u);
  bus.write(0x4d0, 1, 0x00);
  bus.write(0x4d1, 1, 0x0e);  // IRQ9-11 level (PCI)
  pic.set_irq(11, true);
  EXPECT_EQ(pic.acknowledge(), 0x73);
  EXPECT_EQ(bus.read(0xa0, 1), 0x08u);  // still requested: the line is asserted
  eoi_slave();
  eoi_master();
  EXPECT_TRUE(intr);  // the device has not been serviced: interrupts again
  pic.set_irq(11, false);
  EXPECT_EQ(bus.read(0xa0, 1), 0x00u);  // the slave's level request follows the line
  // The master's cascade input is edge-triggered and latched the slave's
  // INT: the CPU now gets the spurious IRQ15 (as on QEMU; Linux counts it).
  EXPECT_TRUE(intr);
  EXPECT_EQ(pic.acknowledge(), 0x77);
  EXPECT_EQ(pic.isr(1), 0x00);
}

TEST_F(PicTest, SpuriousIrq7AndIrq15) {
  init();
  bus.write(0x4d0, 1, 0x20);  // IRQ5 level
  pic.set_irq(5, true);
  EXPECT_TRUE(intr);
  // A level request withdrawn before INTA drops INTR on the master.
  pic.set_irq(5, false);
  EXPECT_FALSE(intr);
  EXPECT_EQ(pic.acknowledge(), -1);

  bus.write(0x4d1, 1, 0x08);  // IRQ11 level
  pic.set_irq(11, true);      // slave raises its INT -> edge on master IR2
  pic.set_irq(11, false);     // withdrawn: the master still latched IR2
  EXPECT_TRUE(intr);
  EXPECT_EQ(pic.acknowledge(), 0x77);  // spurious IRQ15 from the slave
  EXPECT_EQ(read_isr(0xa0), 0x00);     // the slave's ISR untouched
  EXPECT_EQ(read_isr(0x20), 0x04);     // the master did see IR2: it needs its EOI
}

TEST_F(PicTest, AutoEoiAndRotation) {
  init(0x03);  // AEOI + 8086
  pic.set_irq(3, true);
  EXPECT_EQ(pic.acknowledge(), 0x0b);
  EXPECT_EQ(read_isr(0x20), 0x00);  // nothing in service with AEOI
  // Rotate in AEOI mode: the serviced IR becomes the lowest priority.
  bus.write(0x20, 1, 0x80);
  pic.set_irq(3, false);
  pic.set_irq(3, true);
  pic.set_irq(4, true);
  EXPECT_EQ(pic.acknowledge(), 0x0b);  // IR3 still first (priority order 0..7)
  pic.set_irq(3, false);
  pic.set_irq(3, true);
  EXPECT_EQ(pic.acknowledge(), 0x0c);  // now IR4 outranks IR3 (IR3 is lowest)
}

TEST_F(PicTest, SetPriorityAndSpecificRotate) {
  init();
  bus.write(0x20, 1, 0xc4);  // set priority: IR4 lowest -> IR5 highest
  pic.set_irq(1, true);
  pic.set_irq(6, true);
  EXPECT_EQ(pic.acknowledge(), 0x0e);
  bus.write(0x20, 1, 0x66);  // specific EOI IR6
  EXPECT_EQ(read_isr(0x20), 0x00);
  EXPECT_EQ(pic.acknowledge(), 0x09);
  bus.write(0x20, 1, 0xe1);  // rotate on specific EOI IR1: IR2 highest
  EXPECT_EQ(read_isr(0x20), 0x00);
  pic.set_irq(0, true);
  pic.set_irq(7, true);
  EXPECT_EQ(pic.acknowledge(), 0x0f);  // IR7 before IR0 now
}

TEST_F(PicTest, PollCommand) {
  init();
  bus.write(0x21, 1, 0xff);  // masked requests are not polled
  pic.set_irq(6, true);
  bus.write(0x20, 1, 0x0c);
  EXPECT_EQ(bus.read(0x20, 1), 0x00u);
  bus.write(0x21, 1, 0x00);
  bus.write(0x20, 1, 0x0c);
  EXPECT_EQ(bus.read(0x20, 1), 0x86u);
  EXPECT_EQ(read_isr(0x20), 0x40);  // poll acknowledges like INTA
  bus.write(0x20, 1, 0x0c);
  EXPECT_EQ(bus.read(0x21, 1), 0x00u);  // poll answers on either port
}

TEST_F(PicTest, SpecialMaskModeAllowsLowerPriorities) {
  init();
  pic.set_irq(3, true);
  EXPECT_EQ(pic.acknowledge(), 0x0b);
  pic.set_irq(5, true);
  EXPECT_FALSE(intr);
  bus.write(0x21, 1, 0x08);  // mask the in-service IR3
  bus.write(0x20, 1, 0x68);  // set special mask mode
  EXPECT_TRUE(intr);
  EXPECT_EQ(pic.acknowledge(), 0x0d);
  bus.write(0x20, 1, 0x48);  // reset special mask mode
  EXPECT_EQ(read_isr(0x20), 0x28);
}

TEST_F(PicTest, Icw1ResetsMaskAndEdgeLatches) {
  init();
  IrqLine irq0 = pic.input(0);
  bus.write(0x21, 1, 0xff);
  irq0.raise();
  EXPECT_EQ(bus.read(0x20, 1), 0x01u);
  init();
  EXPECT_EQ(bus.read(0x21, 1), 0x00u);
  EXPECT_EQ(bus.read(0x20, 1), 0x00u);  // the latched edge is gone
  EXPECT_FALSE(intr);
  irq0.raise();  // still high: no edge
  EXPECT_FALSE(intr);
  irq0.lower();
  irq0.raise();
  EXPECT_TRUE(intr);
}

TEST_F(PicTest, InputLinesAndWideAccesses) {
  init();
  IrqLine irq1 = pic.input(1);
  irq1.pulse();
  EXPECT_EQ(pic.irr(0), 0x02);
  // outw 0x20 is two byte cycles: 0x20 gets the low byte, 0x21 the high one.
  bus.write(0x20, 2, 0xfb20);  // EOI (nothing in service) + IMR = 0xfb
  EXPECT_EQ(pic.imr(0), 0xfb);
}

TEST_F(PicTest, ResetClearsEverythingIncludingElcr) {
  init();
  bus.write(0x4d1, 1, 0x0e);
  pic.set_irq(9, true);
  pic.reset();
  EXPECT_EQ(pic.elcr(1), 0);
  EXPECT_EQ(pic.irr(1), 0);
  EXPECT_FALSE(intr);
}

}  // namespace
}  // namespace dynemu::hw
