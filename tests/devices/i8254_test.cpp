#include "hw/timer/i8254.h"

#include <gtest/gtest.h>

#include "hw/core/io_bus.h"
#include "hw/core/scheduler.h"
#include "hw/intc/i8259.h"
#include "hw/timer/system_control_b.h"

namespace dynemu::hw {
namespace {

constexpr int64_t kMs = 1'000'000;

class PitTest : public ::testing::Test {
 protected:
  PitTest() : pit(sched), port61(sched, pit) {
    pit.attach(bus);
    port61.attach(bus);
    pit.irq0() = IrqLine([this](bool l) {
      if (l) ++rising;
      level = l;
    });
  }
  void program(int counter, uint8_t mode_bits, uint16_t count) {
    bus.write(0x43, 1, (counter << 6) | 0x30 | mode_bits);
    bus.write(0x40 + counter, 1, count & 0xff);
    bus.write(0x40 + counter, 1, count >> 8);
  }
  uint16_t latch_read(int counter) {
    bus.write(0x43, 1, counter << 6);
    const uint8_t lo = bus.read(0x40 + counter, 1);
    const uint8_t hi = bus.read(0x40 + counter, 1);
    return lo | hi << 8;
  }
  // Advance to the first ns at which `ticks` PIT CLKs have passed since the
  // origin tick.
  void advance_to_tick(int64_t tick) { sched.advance(I8254::time_of_tick(tick) - sched.now()); }

  Scheduler sched{Scheduler::Mode::Manual};
  IoBus bus;
  I8254 pit;
  SystemControlB port61;
  int rising = 0;
  bool level = false;
};

TEST_F(PitTest, TickConversionsRoundTrip) {
  EXPECT_EQ(I8254::tick_at(1'000'000'000), 1'193'182);
  for (int64_t t : {0, 1, 2, 1193, 65536, 1'193'182, 123'456'789}) {
    EXPECT_EQ(I8254::tick_at(I8254::time_of_tick(t)), t);
    if (t > 0) {
      EXPECT_EQ(I8254::tick_at(I8254::time_of_tick(t) - 1), t - 1);
    }
  }
}

TEST_F(PitTest, Mode2CountsIrq0EdgesOver10ms) {
  program(0, 0x04, 1193);  // rate generator, ~1 kHz (Linux HZ=1000 value)
  rising = 0;
  sched.advance(10 * kMs);
  EXPECT_EQ(rising, 10);
  sched.advance(990 * kMs);
  // 1.193182 MHz / 1193 = 1000.15 Hz.
  EXPECT_EQ(rising, 1000);
  EXPECT_TRUE(level);  // OUT is high between the one-CLK low pulses
}

TEST_F(PitTest, Mode2DrivesThePicIrq0) {
  I8259 pic;
  pic.attach(bus);
  pit.irq0() = pic.input(0);
  bool intr = false;
  pic.intr() = IrqLine([&](bool l) { intr = l; });
  for (uint8_t b : {0x11, 0x08, 0x04, 0x01}) bus.write(b == 0x11 ? 0x20 : 0x21, 1, b);
  bus.write(0x21, 1, 0xfe);
  program(0, 0x04, 11932);  // 100 Hz
  int irqs = 0;
  for (int ms = 0; ms < 105; ++ms) {  // edges at 10.0001 ms, 20.0002 ms, ... 100.001 ms
    sched.advance(kMs);
    if (intr) {
      EXPECT_EQ(pic.acknowledge(), 0x08);
      bus.write(0x20, 1, 0x20);
      ++irqs;
    }
  }
  EXPECT_EQ(irqs, 10);
}

TEST_F(PitTest, Mode2CountReadsDownAndReloads) {
  program(0, 0x04, 1000);
  const int64_t load = I8254::tick_at(sched.now()) + 1;
  advance_to_tick(load);
  EXPECT_EQ(latch_read(0), 1000);
  advance_to_tick(load + 1);
  EXPECT_EQ(latch_read(0), 999);
  rising = 0;
  advance_to_tick(load + 998);
  EXPECT_EQ(latch_read(0), 2);
  EXPECT_TRUE(pit.out(0));
  advance_to_tick(load + 999);
  EXPECT_EQ(latch_read(0), 1);
  EXPECT_FALSE(pit.out(0));  // the pin is low for the CLK at count 1
  EXPECT_EQ(rising, 0);
  advance_to_tick(load + 1000);
  EXPECT_EQ(latch_read(0), 1000);
  EXPECT_TRUE(pit.out(0));
  EXPECT_TRUE(level);
  EXPECT_EQ(rising, 1);  // the IRQ0 edge comes as the pin rises again
}

TEST_F(PitTest, OnePeriodicTickIsOneTimerEvent) {
  program(0, 0x04, 4773);  // Linux HZ=250
  rising = 0;
  const int64_t load = I8254::tick_at(sched.now()) + 1;
  for (int k = 1; k <= 3; ++k) {
    // The next wakeup is the rising edge itself: not the load CLK, not the
    // falling edge one CLK before.
    EXPECT_EQ(sched.next_deadline(), I8254::time_of_tick(load + k * 4773));
    sched.advance(sched.next_deadline() - sched.now());
    EXPECT_EQ(rising, k);
  }
  // A one-shot count (mode 4) likewise wakes once, at the end of its pulse.
  bus.write(0x43, 1, 0x38);
  bus.write(0x40, 1, 100);
  bus.write(0x40, 1, 0);
  const int64_t written = I8254::tick_at(sched.now());
  EXPECT_EQ(sched.next_deadline(), I8254::time_of_tick(written + 1 + 101));
}

TEST_F(PitTest, LatchHoldsUntilReadAndSecondLatchIgnored) {
  program(0, 0x04, 50000);
  sched.advance(kMs);
  bus.write(0x43, 1, 0x00);
  const uint8_t lo = bus.read(0x40, 1);
  sched.advance(kMs);
  bus.write(0x43, 1, 0x00);  // ignored: the MSB is still unread
  const uint8_t hi = bus.read(0x40, 1);
  const uint16_t first = lo | hi << 8;
  EXPECT_EQ(first, 50000 - (I8254::tick_at(kMs) - 1));
  // Unlatched reads follow the counter, LSB then MSB.
  const uint8_t lo2 = bus.read(0x40, 1);
  const uint8_t hi2 = bus.read(0x40, 1);
  EXPECT_EQ(lo2 | hi2 << 8, 50000 - (I8254::tick_at(2 * kMs) - 1));
}

TEST_F(PitTest, LsbOnlyAndMsbOnlyAccess) {
  bus.write(0x43, 1, 0x54);  // counter 1, LSB only, mode 2
  bus.write(0x41, 1, 18);    // the refresh rate BIOSes program
  advance_to_tick(I8254::tick_at(sched.now()) + 1);
  EXPECT_EQ(bus.read(0x41, 1), 18u);
  EXPECT_EQ(bus.read(0x41, 1), 18u);  // no flip-flop in LSB mode
  bus.write(0x43, 1, 0x64);           // counter 1, MSB only, mode 2
  bus.write(0x41, 1, 0x12);           // count 0x1200
  advance_to_tick(I8254::tick_at(sched.now()) + 1);
  EXPECT_EQ(bus.read(0x41, 1), 0x12u);
}

TEST_F(PitTest, Mode0OnCounter2ThroughPort61LikeLinuxTscCalibration) {
  // pit_calibrate_tsc(): gate on, speaker off, mode 0, count, poll bit 5.
  bus.write(0x61, 1, (bus.read(0x61, 1) & ~0x02) | 0x01);
  bus.write(0x43, 1, 0xb0);
  const uint16_t latch = 11932;  // 10 ms
  bus.write(0x42, 1, latch & 0xff);
  bus.write(0x42, 1, latch >> 8);
  const int64_t written = I8254::tick_at(sched.now());
  EXPECT_EQ(bus.read(0x61, 1) & 0x21, 0x01u);
  advance_to_tick(written + latch);  // N CLKs after the load CLK: count 0 not reached
  EXPECT_EQ(bus.read(0x61, 1) & 0x20, 0x00u);
  advance_to_tick(written + 1 + latch);  // N+1 CLKs after the write: OUT high
  EXPECT_EQ(bus.read(0x61, 1) & 0x20, 0x20u);
  // The counter keeps counting past zero.
  advance_to_tick(written + 1 + latch + 5);
  bus.write(0x43, 1, 0x80);
  const uint8_t lo = bus.read(0x42, 1);
  const uint8_t hi = bus.read(0x42, 1);
  EXPECT_EQ(lo | hi << 8, 0x10000 - 5);
  EXPECT_EQ(bus.read(0x61, 1) & 0x20, 0x20u);
}

TEST_F(PitTest, QuickPitCalibrateSeesTheMsbFall) {
  // quick_pit_calibrate(): mode 0 count 0xffff, unlatched LSB/MSB reads.
  bus.write(0x61, 1, 0x01);
  bus.write(0x43, 1, 0xb0);
  bus.write(0x42, 1, 0xff);
  bus.write(0x42, 1, 0xff);
  sched.advance(1000);  // one CLK (838 ns) past the load
  bus.read(0x42, 1);
  EXPECT_EQ(bus.read(0x42, 1), 0xffu);
  sched.advance(256 * 840);
  bus.read(0x42, 1);
  EXPECT_EQ(bus.read(0x42, 1), 0xfeu);
}

TEST_F(PitTest, GateLowSuspendsMode0) {
  bus.write(0x61, 1, 0x01);
  bus.write(0x43, 1, 0xb0);
  bus.write(0x42, 1, 100);
  bus.write(0x42, 1, 0);
  const int64_t load = I8254::tick_at(sched.now()) + 1;
  advance_to_tick(load + 40);
  bus.write(0x61, 1, 0x00);  // gate off
  advance_to_tick(load + 500);
  EXPECT_EQ(latch_read(2), 60);
  EXPECT_FALSE(pit.out(2));
  bus.write(0x61, 1, 0x01);
  const int64_t resumed = I8254::tick_at(sched.now());
  advance_to_tick(resumed + 1 + 59);
  EXPECT_FALSE(pit.out(2));
  advance_to_tick(resumed + 1 + 60);
  EXPECT_TRUE(pit.out(2));
}

TEST_F(PitTest, Mode1OneShotIsTriggeredByGate) {
  bus.write(0x43, 1, 0xb2);  // counter 2, mode 1
  bus.write(0x42, 1, 10);
  bus.write(0x42, 1, 0);
  EXPECT_TRUE(pit.out(2));
  sched.advance(100'000);
  EXPECT_TRUE(pit.out(2));   // no trigger yet
  bus.write(0x61, 1, 0x01);  // rising gate: trigger
  const int64_t trig = I8254::tick_at(sched.now());
  advance_to_tick(trig + 1);
  EXPECT_FALSE(pit.out(2));
  advance_to_tick(trig + 10);
  EXPECT_FALSE(pit.out(2));
  advance_to_tick(trig + 11);
  EXPECT_TRUE(pit.out(2));
  // Retrigger.
  bus.write(0x61, 1, 0x00);
  bus.write(0x61, 1, 0x01);
  advance_to_tick(I8254::tick_at(sched.now()) + 1);
  EXPECT_FALSE(pit.out(2));
}

TEST_F(PitTest, Mode3SquareWave) {
  program(0, 0x06, 1000);
  rising = 0;
  const int64_t load = I8254::tick_at(sched.now()) + 1;
  advance_to_tick(load + 499);
  EXPECT_TRUE(level);
  advance_to_tick(load + 500);
  EXPECT_FALSE(level);
  advance_to_tick(load + 1000);
  EXPECT_TRUE(level);
  EXPECT_EQ(rising, 1);
  advance_to_tick(load + 100'000);
  EXPECT_EQ(rising, 100);
  // Mode 3 counts down by two.
  advance_to_tick(load + 100'010);
  EXPECT_EQ(latch_read(0), 980);
}

TEST_F(PitTest, Mode4OneShotLikeLinuxClockevents) {
  // Linux pit_set_oneshot (0x38) then pit_next_event (count).
  bus.write(0x43, 1, 0x38);
  bus.write(0x40, 1, 0x10);
  bus.write(0x40, 1, 0x00);  // 16
  rising = 0;
  const int64_t written = I8254::tick_at(sched.now());
  advance_to_tick(written + 1 + 16);
  EXPECT_FALSE(pit.out(0));  // low for one CLK at terminal count
  EXPECT_EQ(rising, 0);
  advance_to_tick(written + 1 + 17);
  EXPECT_TRUE(pit.out(0));
  EXPECT_EQ(rising, 1);
  sched.advance(10 * kMs);
  EXPECT_EQ(rising, 1);  // once only
  bus.write(0x40, 1, 0x20);
  bus.write(0x40, 1, 0x00);  // a new count restarts it
  sched.advance(kMs);
  EXPECT_EQ(rising, 2);
}

// Linux reprograms its one-shot whenever an earlier hrtimer is queued, so a
// new count can come during the very CLK at which the old one reaches
// terminal count: OUT is low then and rises on the next CLK, and that edge
// is the interrupt the guest waits for (losing it stalls its clock forever).
TEST_F(PitTest, Mode4NewCountDuringTheTerminalCountClkKeepsTheIrq) {
  bus.write(0x43, 1, 0x38);
  bus.write(0x40, 1, 0x10);
  bus.write(0x40, 1, 0x00);  // 16
  rising = 0;
  const int64_t written = I8254::tick_at(sched.now());
  advance_to_tick(written + 1 + 16);  // terminal count: OUT low for this CLK
  EXPECT_FALSE(pit.out(0));
  bus.write(0x40, 1, 0x00);
  bus.write(0x40, 1, 0x10);  // 4096, written within the same CLK
  EXPECT_EQ(rising, 1);      // the old count's edge is not lost
  const int64_t rewritten = I8254::tick_at(sched.now());
  advance_to_tick(rewritten + 1 + 4096 + 1);
  EXPECT_EQ(rising, 2);  // and the new count gives its own
}

TEST_F(PitTest, NewCountInMode2TakesEffectAtTheEndOfThePeriod) {
  program(0, 0x04, 1000);
  const int64_t load = I8254::tick_at(sched.now()) + 1;
  advance_to_tick(load + 300);
  bus.write(0x40, 1, 100);
  bus.write(0x40, 1, 0);
  rising = 0;
  advance_to_tick(load + 999);
  EXPECT_EQ(rising, 0);
  advance_to_tick(load + 1000);
  EXPECT_EQ(rising, 1);
  advance_to_tick(load + 1100);
  EXPECT_EQ(rising, 2);
  EXPECT_EQ(latch_read(0), 100);
}

TEST_F(PitTest, ReadBackStatusAndCount) {
  bus.write(0x43, 1, 0xb4);   // counter 2, LSB/MSB, mode 2, binary
  bus.write(0xb4 & 0, 1, 0);  // (port 0 is unmapped: ignored)
  bus.write(0x43, 1, 0xe8);   // read-back status of counter 2
  // Null count set: no count written since the control word; OUT high.
  EXPECT_EQ(bus.read(0x42, 1), 0x80u | 0x40u | 0x34u);
  bus.write(0x42, 1, 0x34);
  bus.write(0x42, 1, 0x12);
  bus.write(0x61, 1, 0x01);
  advance_to_tick(I8254::tick_at(sched.now()) + 3);
  bus.write(0x43, 1, 0xc8);                     // latch count and status of counter 2
  EXPECT_EQ(bus.read(0x42, 1), 0x80u | 0x34u);  // status first, null count clear
  EXPECT_EQ(bus.read(0x42, 1), 0x32u);          // then the count, 0x1234 - 2
  EXPECT_EQ(bus.read(0x42, 1), 0x12u);
  EXPECT_EQ(bus.read(0x43, 1), 0xffu);
}

TEST_F(PitTest, BcdCounting) {
  bus.write(0x43, 1, 0x31);  // counter 0, LSB/MSB, mode 0, BCD
  bus.write(0x40, 1, 0x00);
  bus.write(0x40, 1, 0x10);  // 1000 decimal
  const int64_t load = I8254::tick_at(sched.now()) + 1;
  advance_to_tick(load + 1);
  EXPECT_EQ(latch_read(0), 0x0999);
  advance_to_tick(load + 1000);
  EXPECT_EQ(latch_read(0), 0x0000);
  EXPECT_TRUE(level);
  advance_to_tick(load + 1001);
  EXPECT_EQ(latch_read(0), 0x9999);  // wraps in decimal
}

TEST_F(PitTest, Mode0FirstByteStopsCountingAndDropsOut) {
  program(0, 0x00, 10);
  sched.advance(kMs);
  EXPECT_TRUE(level);
  bus.write(0x40, 1, 0x50);
  EXPECT_FALSE(level);
  sched.advance(kMs);
  EXPECT_FALSE(level);
  bus.write(0x40, 1, 0x00);  // 0x50 = 80
  const int64_t written = I8254::tick_at(sched.now());
  advance_to_tick(written + 81);
  EXPECT_TRUE(level);
}

TEST_F(PitTest, RefreshToggleAndSpeakerBits) {
  const int64_t base =
      (sched.now() / SystemControlB::kRefreshToggleNs + 1) * SystemControlB::kRefreshToggleNs;
  sched.advance(base - sched.now());
  const uint32_t a = bus.read(0x61, 1) & 0x10;
  sched.advance(SystemControlB::kRefreshToggleNs);
  const uint32_t b = bus.read(0x61, 1) & 0x10;
  EXPECT_NE(a, b);
  sched.advance(SystemControlB::kRefreshToggleNs);
  EXPECT_EQ(bus.read(0x61, 1) & 0x10, a);
  bus.write(0x61, 1, 0xff);
  EXPECT_EQ(bus.read(0x61, 1) & 0x0f, 0x0fu);
  EXPECT_TRUE(port61.speaker_enabled());
  EXPECT_TRUE(pit.gate(2));
}

TEST_F(PitTest, ResetRunsCounter0InMode3) {
  pit.reset();
  rising = 0;
  sched.advance(1000 * kMs);
  EXPECT_EQ(rising, 18);  // 1193182 / 65536 = 18.2 Hz
  EXPECT_FALSE(pit.gate(2));
}

}  // namespace
}  // namespace dynemu::hw
