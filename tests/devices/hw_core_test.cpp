#include <gtest/gtest.h>

#include <time.h>

#include <climits>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"
#include "hw/core/irq.h"
#include "hw/core/scheduler.h"
#include "hw/core/state.h"

namespace dynemu::hw {
namespace {

// Records every access so tests can see how the bus dispatched it.
class Recorder : public PortHandler {
 public:
  struct Access {
    bool write;
    uint16_t port;
    unsigned size;
    uint32_t value;
  };
  uint32_t io_read(uint16_t port, unsigned size) override {
    log.push_back({false, port, size, 0});
    return (static_cast<uint32_t>(tag) << 8 | (port & 0xff)) & (size == 1 ? 0xff : 0xffffffff);
  }
  void io_write(uint16_t port, unsigned size, uint32_t value) override {
    log.push_back({true, port, size, value});
  }
  uint8_t tag = 0;
  std::vector<Access> log;
};

TEST(IoBus, UnmappedReadsAllOnesAndIgnoresWrites) {
  IoBus bus;
  EXPECT_EQ(bus.read(0x1234, 1), 0xffu);
  EXPECT_EQ(bus.read(0x1234, 2), 0xffffu);
  EXPECT_EQ(bus.read(0x1234, 4), 0xffffffffu);
  bus.write(0x1234, 4, 0);
  EXPECT_EQ(bus.read(0xffff, 2), 0xffffu);  // wraps at the top of the space
}

TEST(IoBus, MapUnmapAndOverride) {
  IoBus bus;
  Recorder a, b;
  a.tag = 0xa;
  b.tag = 0xb;
  bus.map(0x100, 8, &a);
  bus.map(0x104, 2, &b);  // later maps override earlier ones
  EXPECT_EQ(bus.read(0x103, 1), 0x03u);
  EXPECT_EQ(bus.read(0x104, 2), 0xb04u);
  EXPECT_EQ(bus.read(0x106, 4), 0xa06u);
  bus.write(0x105, 1, 0x42);
  ASSERT_EQ(b.log.size(), 2u);
  EXPECT_TRUE(b.log[1].write);
  EXPECT_EQ(b.log[1].value, 0x42u);
  bus.unmap(0x100, 8);
  EXPECT_EQ(bus.read(0x104, 1), 0xffu);
  EXPECT_EQ(bus.handler(0x104), nullptr);
}

TEST(IoBus, WideAccessToByteDeviceIsSplit) {
  IoBus bus;
  Recorder a, b;
  a.tag = 1;
  b.tag = 2;
  bus.map(0x60, 1, &a, 1);
  bus.map(0x61, 1, &b, 1);
  // inw 0x60 = two byte cycles, the high byte from the device at 0x61.
  EXPECT_EQ(bus.read(0x60, 2), 0x6160u);
  // A 32-bit read across a hole: bytes 2 and 3 float high.
  EXPECT_EQ(bus.read(0x60, 4), 0xffff6160u);
  bus.write(0x60, 2, 0xbbaa);
  ASSERT_EQ(a.log.size(), 3u);
  EXPECT_EQ(a.log[2].value, 0xaau);
  EXPECT_EQ(a.log[2].size, 1u);
  ASSERT_EQ(b.log.size(), 3u);
  EXPECT_EQ(b.log[2].value, 0xbbu);
  EXPECT_EQ(b.log[2].port, 0x61);
}

TEST(IoBus, WordDeviceGetsDwordAsTwoWords) {
  IoBus bus;
  Recorder a;
  bus.map(0x1f0, 8, &a, 2);
  bus.write(0x1f0, 4, 0x11223344);
  ASSERT_EQ(a.log.size(), 2u);
  EXPECT_EQ(a.log[0].port, 0x1f0);
  EXPECT_EQ(a.log[0].size, 2u);
  EXPECT_EQ(a.log[0].value, 0x3344u);
  EXPECT_EQ(a.log[1].port, 0x1f2);
  EXPECT_EQ(a.log[1].value, 0x1122u);
}

TEST(IrqLine, SinkSeesChangesOnly) {
  std::vector<bool> seen;
  IrqLine line([&](bool l) { seen.push_back(l); });
  EXPECT_FALSE(line.level());
  line.raise();
  line.raise();
  EXPECT_TRUE(line.level());
  line.lower();
  line.pulse();
  EXPECT_EQ(seen, (std::vector<bool>{true, false, true, false}));
  IrqLine unconnected;
  unconnected.raise();
  EXPECT_TRUE(unconnected.level());
  EXPECT_FALSE(unconnected.connected());
  // Connecting a receiver to a line already high: it sees the level.
  std::vector<bool> late;
  unconnected = IrqLine([&](bool l) { late.push_back(l); });
  EXPECT_TRUE(unconnected.connected());
  EXPECT_TRUE(unconnected.level());
  EXPECT_EQ(late, std::vector<bool>{true});
  unconnected.lower();
  EXPECT_EQ(late, (std::vector<bool>{true, false}));
}

TEST(Scheduler, ManualAdvanceFiresInDeadlineOrderAtTheirTimes) {
  Scheduler s(Scheduler::Mode::Manual);
  std::vector<std::pair<int, int64_t>> fired;
  auto a = s.make_timer([&] { fired.push_back({1, s.now()}); });
  auto b = s.make_timer([&] { fired.push_back({2, s.now()}); });
  auto c = s.make_timer([&] { fired.push_back({3, s.now()}); });
  EXPECT_EQ(s.next_deadline(), INT64_MAX);
  a->arm(300);
  b->arm(100);
  c->arm(100);  // same deadline as b: fires after b (armed later)
  EXPECT_EQ(s.next_deadline(), 100);
  s.advance(250);
  EXPECT_EQ(s.now(), 250);
  EXPECT_EQ(fired, (std::vector<std::pair<int, int64_t>>{{2, 100}, {3, 100}}));
  EXPECT_TRUE(a->armed());
  EXPECT_FALSE(b->armed());
  s.advance(50);
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[2], (std::pair<int, int64_t>{1, 300}));
  EXPECT_EQ(s.next_deadline(), INT64_MAX);
}

TEST(Scheduler, PeriodicTimerRearmsFromItsCallback) {
  Scheduler s(Scheduler::Mode::Manual);
  int count = 0;
  std::unique_ptr<Scheduler::Timer> t;
  t = s.make_timer([&] {
    ++count;
    t->arm(t->deadline() + 1000);
  });
  t->arm(1000);
  s.advance(10'000);  // fires at 1000, 2000, ... 10000
  EXPECT_EQ(count, 10);
  EXPECT_EQ(s.next_deadline(), 11'000);
}

TEST(Scheduler, CancelRearmAndPastDeadlines) {
  Scheduler s(Scheduler::Mode::Manual);
  int count = 0;
  auto t = s.make_timer([&] { ++count; });
  t->arm(100);
  t->cancel();
  s.advance(200);
  EXPECT_EQ(count, 0);
  t->arm(50);  // already past: fires at the next run_due
  s.run_due();
  EXPECT_EQ(count, 1);
  EXPECT_EQ(s.now(), 200);
  t->arm(1000);
  t->arm(300);  // re-arming replaces the deadline
  s.advance(200);
  EXPECT_EQ(count, 2);
  s.advance(1000);
  EXPECT_EQ(count, 2);
}

TEST(Scheduler, DestroyedTimerNeverFiresAndListenerSeesEarlierDeadlines) {
  Scheduler s(Scheduler::Mode::Manual);
  int listened = 0;
  s.set_deadline_listener([&] { ++listened; });
  int count = 0;
  auto keep = s.make_timer([&] { ++count; });
  keep->arm(500);
  EXPECT_EQ(listened, 1);
  {
    auto gone = s.make_timer([&] { count += 100; });
    gone->arm(100);
    EXPECT_EQ(listened, 2);
  }
  keep->arm(600);  // later than nothing else: still the earliest
  EXPECT_EQ(listened, 3);
  auto later = s.make_timer([] {});
  later->arm(700);  // not the earliest: no notification
  EXPECT_EQ(listened, 3);
  s.advance(1000);
  EXPECT_EQ(count, 1);
}

TEST(Scheduler, HostModeIsMonotonicAndPauses) {
  Scheduler s(Scheduler::Mode::Host);
  const int64_t a = s.now();
  const int64_t b = s.now();
  EXPECT_GE(a, 0);
  EXPECT_GE(b, a);
  s.pause();
  const int64_t p = s.now();
  EXPECT_EQ(s.now(), p);
  s.resume();
  EXPECT_GE(s.now(), p);
  s.set_now(5'000'000'000);
  EXPECT_GE(s.now(), 5'000'000'000);
  int count = 0;
  auto t = s.make_timer([&] { ++count; });
  t->arm(0);
  s.run_due();
  EXPECT_EQ(count, 1);
}

// host_time_of maps virtual deadlines to host times exactly (equal in, equal
// out; differences kept), and only while virtual time follows the host.
TEST(Scheduler, HostTimeOfDeadlines) {
  Scheduler s(Scheduler::Mode::Host);
  const int64_t base = s.host_time_of(1'000);
  EXPECT_EQ(s.host_time_of(1'000), base);
  EXPECT_EQ(s.host_time_of(4'001'000) - base, 4'000'000);
  EXPECT_EQ(s.host_time_of(INT64_MAX), INT64_MAX);
  const int64_t virtual_now = s.now();
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const int64_t host_after = int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  EXPECT_LE(s.host_time_of(virtual_now), host_after);  // the same clock, read earlier
  s.pause();
  EXPECT_EQ(s.host_time_of(1'000), INT64_MAX);
  s.resume();
  EXPECT_NE(s.host_time_of(1'000), INT64_MAX);
  Scheduler manual(Scheduler::Mode::Manual);
  EXPECT_EQ(manual.host_time_of(0), INT64_MAX);
}

// A device's visit_state() seen through a visitor that saves fields by name.
class Saver : public StateVisitor {
 public:
  void field(const char* name, void* data, size_t bytes) override {
    auto* p = static_cast<uint8_t*>(data);
    fields[name].assign(p, p + bytes);
  }
  std::map<std::string, std::vector<uint8_t>> fields;
};
class Loader : public StateVisitor {
 public:
  explicit Loader(const Saver& s) : m_s(s) {}
  void field(const char* name, void* data, size_t bytes) override {
    const auto& v = m_s.fields.at(name);
    ASSERT_EQ(v.size(), bytes);
    std::memcpy(data, v.data(), bytes);
  }

 private:
  const Saver& m_s;
};

class Toy : public Device {
 public:
  const char* name() const override { return "toy"; }
  void reset() override {
    a = 1;
    std::memset(arr, 0, sizeof arr);
  }
  void visit_state(StateVisitor& v) override {
    v("a", a);
    v("arr", arr);
  }
  uint32_t a = 0;
  uint16_t arr[3] = {};
};

TEST(StateVisitor, OneFunctionSavesAndLoads) {
  Toy t;
  t.reset();
  t.a = 7;
  t.arr[2] = 9;
  Saver s;
  t.visit_state(s);
  EXPECT_EQ(s.fields.at("arr").size(), 6u);
  Toy u;
  u.reset();
  Loader l(s);
  u.visit_state(l);
  EXPECT_EQ(u.a, 7u);
  EXPECT_EQ(u.arr[2], 9);
}

}  // namespace
}  // namespace dynemu::hw
