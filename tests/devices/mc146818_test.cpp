#include "hw/rtc/mc146818.h"

#include <gtest/gtest.h>

#include "hw/core/io_bus.h"
#include "hw/core/scheduler.h"

namespace dynemu::hw {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;
// Tue 2023-11-14 22:13:20 UTC.
constexpr int64_t kT0 = 1'700'000'000;

class RtcTest : public ::testing::Test {
 protected:
  RtcTest() : rtc(sched) {
    rtc.attach(bus);
    rtc.irq() = IrqLine([this](bool l) {
      if (l) ++edges;
      irq = l;
    });
    rtc.set_time(kT0);
  }
  uint8_t rd(uint8_t index) {
    bus.write(0x70, 1, index);
    return bus.read(0x71, 1);
  }
  void wr(uint8_t index, uint8_t v) {
    bus.write(0x70, 1, index);
    bus.write(0x71, 1, v);
  }

  Scheduler sched{Scheduler::Mode::Manual};
  IoBus bus;
  Mc146818 rtc;
  int edges = 0;
  bool irq = false;
};

TEST_F(RtcTest, BcdTimeFromTheBoardsWallClock) {
  EXPECT_EQ(rd(0x00), 0x20);
  EXPECT_EQ(rd(0x02), 0x13);
  EXPECT_EQ(rd(0x04), 0x22);
  EXPECT_EQ(rd(0x06), 0x03);  // Tuesday (Sunday = 1)
  EXPECT_EQ(rd(0x07), 0x14);
  EXPECT_EQ(rd(0x08), 0x11);
  EXPECT_EQ(rd(0x09), 0x23);
  EXPECT_EQ(rd(0x32), 0x20);
  EXPECT_EQ(rd(0x0a), 0x26);
  EXPECT_EQ(rd(0x0b), 0x02);
  EXPECT_EQ(rd(0x0d), 0x80);
}

TEST_F(RtcTest, TimeAdvancesWithVirtualTimeAcrossDayAndYear) {
  sched.advance(40 * kSec);
  EXPECT_EQ(rd(0x00), 0x00);
  EXPECT_EQ(rd(0x02), 0x14);
  // 2023-12-31 23:59:59 + 1 s.
  rtc.set_time(1'704'067'199);
  EXPECT_EQ(rd(0x09), 0x23);
  sched.advance(kSec);
  EXPECT_EQ(rd(0x00), 0x00);
  EXPECT_EQ(rd(0x04), 0x00);
  EXPECT_EQ(rd(0x07), 0x01);
  EXPECT_EQ(rd(0x08), 0x01);
  EXPECT_EQ(rd(0x09), 0x24);
  EXPECT_EQ(rd(0x06), 0x02);  // Monday
  EXPECT_EQ(rtc.time(), 1'704'067'200);
}

TEST_F(RtcTest, BinaryAnd12HourFormats) {
  wr(0x0b, 0x04);                  // binary, 12-hour
  EXPECT_EQ(rd(0x04), 0x80 | 10);  // 22h = 10 PM
  EXPECT_EQ(rd(0x02), 13);
  EXPECT_EQ(rd(0x09), 23);
  wr(0x0b, 0x00);  // BCD, 12-hour
  EXPECT_EQ(rd(0x04), 0x90);
  rtc.set_time(kT0 - 22 * 3600);  // 00:13:20 is 12 AM
  EXPECT_EQ(rd(0x04), 0x12);
}

TEST_F(RtcTest, UpdateInProgressInTheLast244usOfEachSecond) {
  sched.advance(kSec - Mc146818::kUipHoldNs - 1);
  EXPECT_EQ(rd(0x0a) & 0x80, 0);
  EXPECT_EQ(rd(0x00), 0x20);
  sched.advance(1);
  EXPECT_EQ(rd(0x0a) & 0x80, 0x80);
  sched.advance(Mc146818::kUipHoldNs - 1);
  EXPECT_EQ(rd(0x0a) & 0x80, 0x80);
  sched.advance(1);
  EXPECT_EQ(rd(0x0a) & 0x80, 0);
  EXPECT_EQ(rd(0x00), 0x21);
}

TEST_F(RtcTest, PeriodicInterruptAt1024Hz) {
  wr(0x0b, 0x42);  // PIE
  int count = 0;
  for (int step = 0; step < 10'000; ++step) {
    sched.advance(100'000);  // 100 us
    if (irq) {
      EXPECT_EQ(rd(0x0c) & 0xc0, 0xc0);  // IRQF | PF (UF too once a second)
      EXPECT_FALSE(irq);
      ++count;
    }
  }
  EXPECT_EQ(count, 1024);
}

TEST_F(RtcTest, PeriodicRatesAndPollingWithoutInterrupt) {
  wr(0x0a, 0x2f);  // 2 Hz
  wr(0x0b, 0x42);
  edges = 0;
  sched.advance(kSec);
  EXPECT_EQ(edges, 1);  // IRQ stays asserted until reg C is read
  rd(0x0c);
  sched.advance(kSec);
  EXPECT_EQ(edges, 2);
  rd(0x0c);
  // Rate 3: 8192 Hz.
  wr(0x0a, 0x23);
  int count = 0;
  for (int i = 0; i < 8192 * 4; ++i) {
    sched.advance(kSec / (8192 * 4));
    if (irq) {
      rd(0x0c);
      ++count;
    }
  }
  EXPECT_NEAR(count, 8192, 1);
  // PIE off: PF is still set, without IRQF.
  wr(0x0b, 0x02);
  wr(0x0a, 0x26);
  rd(0x0c);
  sched.advance(2 * kMs);
  EXPECT_EQ(rd(0x0c) & 0xc0, 0x40);
  EXPECT_FALSE(irq);
  // No rate: no PF.
  wr(0x0a, 0x20);
  rd(0x0c);
  sched.advance(2 * kMs);
  EXPECT_EQ(rd(0x0c) & 0x40, 0);
}

TEST_F(RtcTest, UpdateEndedInterruptOncePerSecond) {
  wr(0x0b, 0x12);  // UIE
  edges = 0;
  for (int i = 0; i < 5; ++i) {
    sched.advance(kSec);
    EXPECT_TRUE(irq);
    EXPECT_EQ(rd(0x0c) & 0x90, 0x90);  // PF is set too: rate 6 runs with PIE off
  }
  EXPECT_EQ(edges, 5);
}

TEST_F(RtcTest, AlarmWithDontCareFields) {
  wr(0x01, 0x25);  // 22:13:25
  wr(0x03, 0x13);
  wr(0x05, 0x22);
  wr(0x0b, 0x22);  // AIE
  sched.advance(4 * kSec);
  EXPECT_FALSE(irq);
  sched.advance(kSec);
  EXPECT_TRUE(irq);
  EXPECT_EQ(rd(0x0c) & 0xa0, 0xa0);
  // Every minute at :30.
  wr(0x01, 0x30);
  wr(0x03, 0xff);
  wr(0x05, 0xff);
  sched.advance(5 * kSec);
  EXPECT_TRUE(irq);
  rd(0x0c);
  sched.advance(59 * kSec);
  EXPECT_FALSE(irq);
  sched.advance(kSec);
  EXPECT_TRUE(irq);
}

TEST_F(RtcTest, SetBitFreezesAndLoadsTheTime) {
  sched.advance(300 * kMs);
  wr(0x0b, 0x82 | 0x10);  // SET (and UIE, which SET clears)
  EXPECT_EQ(rd(0x0b), 0x82);
  wr(0x04, 0x08);
  wr(0x02, 0x00);
  wr(0x00, 0x00);
  sched.advance(5 * kSec);
  EXPECT_EQ(rd(0x00), 0x00);  // frozen
  EXPECT_EQ(rd(0x0a) & 0x80, 0);
  wr(0x0b, 0x02);
  // The divider kept its phase: the next update is 700 ms after the release.
  sched.advance(699 * kMs);
  EXPECT_EQ(rd(0x00), 0x00);
  sched.advance(1 * kMs);
  EXPECT_EQ(rd(0x00), 0x01);
  EXPECT_EQ(rd(0x04), 0x08);
  EXPECT_EQ(rtc.time(), (kT0 / 86400) * 86400 + 8 * 3600 + 1);
}

TEST_F(RtcTest, WritingATimeRegisterWhileRunning) {
  wr(0x09, 0x30);  // year 2030
  EXPECT_EQ(rd(0x09), 0x30);
  EXPECT_EQ(rd(0x04), 0x22);
  sched.advance(kSec);
  EXPECT_EQ(rd(0x00), 0x21);
  EXPECT_EQ(rd(0x09), 0x30);
}

TEST_F(RtcTest, DividerResetAndReleaseGivesAHalfSecond) {
  wr(0x0a, 0x66);  // divider reset
  sched.advance(10 * kSec);
  EXPECT_EQ(rd(0x00), 0x20);
  wr(0x0a, 0x26);
  sched.advance(499 * kMs);
  EXPECT_EQ(rd(0x00), 0x20);
  sched.advance(1 * kMs);
  EXPECT_EQ(rd(0x00), 0x21);
}

TEST_F(RtcTest, CmosRamChecksumAndNmiMask) {
  rtc.set_cmos(cmos::kBaseMemLo, 0x80);
  rtc.set_cmos(cmos::kBaseMemHi, 0x02);
  rtc.set_cmos(cmos::kExtMemLo, 0x00);
  rtc.set_cmos(cmos::kExtMemHi, 0xfc);
  rtc.set_cmos(cmos::kBootFlags2, 0x02);
  const unsigned sum = 0x80 + 0x02 + 0x00 + 0xfc;
  EXPECT_EQ(rd(0x2e), sum >> 8);
  EXPECT_EQ(rd(0x2f), sum & 0xff);
  EXPECT_EQ(rd(0x15), 0x80);
  EXPECT_EQ(rd(0x3d), 0x02);
  bus.write(0x70, 1, 0x80 | 0x50);
  EXPECT_TRUE(rtc.nmi_masked());
  bus.write(0x71, 1, 0xab);
  EXPECT_EQ(rtc.cmos(0x50), 0xab);
  bus.write(0x70, 1, 0x50);
  EXPECT_FALSE(rtc.nmi_masked());
  EXPECT_EQ(bus.read(0x71, 1), 0xabu);
  EXPECT_EQ(bus.read(0x70, 1), 0xffu);
  wr(0x0c, 0xff);  // read-only
  wr(0x0d, 0x00);
  EXPECT_EQ(rd(0x0c), 0x00);
  EXPECT_EQ(rd(0x0d), 0x80);
}

TEST_F(RtcTest, ResetKeepsClockAndRamButClearsInterrupts) {
  rtc.set_cmos(0x40, 0x12);
  wr(0x0b, 0x72);
  sched.advance(kSec);
  EXPECT_TRUE(irq);
  rtc.reset();
  EXPECT_FALSE(irq);
  EXPECT_EQ(rd(0x0b), 0x02);
  EXPECT_EQ(rd(0x0c), 0x00);
  EXPECT_EQ(rd(0x00), 0x21);
  EXPECT_EQ(rtc.cmos(0x40), 0x12);
}

}  // namespace
}  // namespace dynemu::hw
