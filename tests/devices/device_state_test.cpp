// visit_state() round trips: a device saved by name and loaded into a fresh
// one behaves the same from then on.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "hw/char/uart16550.h"
#include "hw/core/io_bus.h"
#include "hw/core/scheduler.h"
#include "hw/core/state.h"
#include "hw/input/i8042.h"
#include "hw/intc/i8259.h"
#include "hw/rtc/mc146818.h"
#include "hw/timer/i8254.h"

namespace dynemu::hw {
namespace {

class Saver : public StateVisitor {
 public:
  void field(const char* name, void* data, size_t bytes) override {
    EXPECT_FALSE(fields.count(name)) << "field name used twice: " << name;
    auto* p = static_cast<uint8_t*>(data);
    fields[name].assign(p, p + bytes);
  }
  std::map<std::string, std::vector<uint8_t>> fields;
};

class Loader : public StateVisitor {
 public:
  explicit Loader(const Saver& s) : m_s(s) {}
  void field(const char* name, void* data, size_t bytes) override {
    auto it = m_s.fields.find(name);
    ASSERT_NE(it, m_s.fields.end()) << name;
    ASSERT_EQ(it->second.size(), bytes) << name;
    std::memcpy(data, it->second.data(), bytes);
  }

 private:
  const Saver& m_s;
};

template <typename D>
void copy_state(D& from, D& to) {
  Saver s;
  from.visit_state(s);
  EXPECT_FALSE(s.fields.empty());
  Loader l(s);
  to.visit_state(l);
}

TEST(DeviceState, I8259) {
  IoBus a_bus, b_bus;
  I8259 a, b;
  a.attach(a_bus);
  b.attach(b_bus);
  for (auto [p, v] : {std::pair{0x20, 0x11},
                      {0x21, 0x08},
                      {0x21, 0x04},
                      {0x21, 0x01},
                      {0xa0, 0x11},
                      {0xa1, 0x70},
                      {0xa1, 0x02},
                      {0xa1, 0x01},
                      {0x21, 0xb8},
                      {0x4d1, 0x0e}})
    a_bus.write(p, 1, v);
  a.set_irq(1, true);
  a.set_irq(10, true);
  EXPECT_EQ(a.acknowledge(), 0x09);
  a.set_irq(0, true);
  copy_state(a, b);
  for (int chip = 0; chip < 2; ++chip) {
    EXPECT_EQ(a.irr(chip), b.irr(chip));
    EXPECT_EQ(a.isr(chip), b.isr(chip));
    EXPECT_EQ(a.imr(chip), b.imr(chip));
    EXPECT_EQ(a.elcr(chip), b.elcr(chip));
  }
  EXPECT_EQ(a.acknowledge(), b.acknowledge());
  a_bus.write(0x20, 1, 0x20);
  b_bus.write(0x20, 1, 0x20);
  EXPECT_EQ(a.acknowledge(), b.acknowledge());
}

TEST(DeviceState, I8254) {
  Scheduler sched(Scheduler::Mode::Manual);
  IoBus a_bus, b_bus;
  I8254 a(sched), b(sched);
  a.attach(a_bus);
  b.attach(b_bus);
  int a_edges = 0, b_edges = 0;
  a.irq0() = IrqLine([&](bool l) { a_edges += l; });
  b.irq0() = IrqLine([&](bool l) { b_edges += l; });
  for (auto [p, v] : {std::pair{0x43, 0x34},
                      {0x40, 0xe8},
                      {0x40, 0x03},
                      {0x43, 0xb0},
                      {0x42, 0x10},
                      {0x42, 0x27},
                      {0x43, 0x50},
                      {0x41, 0x12}})
    a_bus.write(p, 1, v);
  a.set_gate(2, true);
  sched.advance(3'333'333);
  a_bus.write(0x43, 1, 0x80);  // a latch pending across the snapshot
  copy_state(a, b);
  a_edges = b_edges = 0;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(a_bus.read(0x42, 1), b_bus.read(0x42, 1));
  EXPECT_EQ(a.out(2), b.out(2));
  sched.advance(10'000'000);  // count 1000: an edge every 838 us
  EXPECT_EQ(a_edges, 12);
  EXPECT_EQ(b_edges, 12);
  a_bus.write(0x43, 1, 0x00);
  b_bus.write(0x43, 1, 0x00);
  EXPECT_EQ(a_bus.read(0x40, 1), b_bus.read(0x40, 1));
  EXPECT_EQ(a_bus.read(0x40, 1), b_bus.read(0x40, 1));
  EXPECT_EQ(a_bus.read(0x41, 1), b_bus.read(0x41, 1));
}

TEST(DeviceState, Uart16550) {
  Scheduler sched(Scheduler::Mode::Manual);
  IoBus a_bus, b_bus;
  Uart16550 a(sched, nullptr), b(sched, nullptr);
  a.attach(a_bus, 0x3f8);
  b.attach(b_bus, 0x3f8);
  bool b_irq = false;
  b.irq() = IrqLine([&](bool l) { b_irq = l; });
  for (auto [p, v] : {std::pair{0x3fb, 0x80},
                      {0x3f8, 0x01},
                      {0x3fb, 0x03},
                      {0x3fa, 0x87},
                      {0x3fc, 0x0b},
                      {0x3f9, 0x01},
                      {0x3ff, 0x5a}})
    a_bus.write(p, 1, v);
  const uint8_t in[] = {'a', 'b', 'c'};
  a.receive(in);
  copy_state(a, b);
  EXPECT_EQ(b_bus.read(0x3ff, 1), 0x5au);
  EXPECT_EQ(b.char_time_ns(), a.char_time_ns());
  EXPECT_FALSE(b_irq);
  sched.advance(4 * a.char_time_ns());  // the restored timeout timer fires
  EXPECT_TRUE(b_irq);
  EXPECT_EQ(a_bus.read(0x3fa, 1), b_bus.read(0x3fa, 1));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(a_bus.read(0x3f8, 1), b_bus.read(0x3f8, 1));
  EXPECT_EQ(a_bus.read(0x3fd, 1), b_bus.read(0x3fd, 1));
}

TEST(DeviceState, Mc146818) {
  Scheduler sched(Scheduler::Mode::Manual);
  IoBus a_bus, b_bus;
  Mc146818 a(sched), b(sched);
  a.attach(a_bus);
  b.attach(b_bus);
  int b_edges = 0;
  b.irq() = IrqLine([&](bool l) { b_edges += l; });
  a.set_time(1'700'000'000);
  a.set_cmos(0x15, 0x80);
  a_bus.write(0x70, 1, 0x0b);
  a_bus.write(0x71, 1, 0x46);  // PIE, binary, 24 h
  sched.advance(123'456'789);
  copy_state(a, b);
  EXPECT_EQ(b.time(), a.time());
  EXPECT_EQ(b.cmos(0x15), 0x80);
  for (uint8_t r : {0x00, 0x02, 0x04, 0x07, 0x09, 0x0b}) {
    a_bus.write(0x70, 1, r);
    b_bus.write(0x70, 1, r);
    EXPECT_EQ(a_bus.read(0x71, 1), b_bus.read(0x71, 1)) << int(r);
  }
  // Reg C was never read: IRQF is pending in both, the line high.
  a_bus.write(0x70, 1, 0x0c);
  b_bus.write(0x70, 1, 0x0c);
  EXPECT_EQ(a_bus.read(0x71, 1), b_bus.read(0x71, 1));
  b_edges = 0;
  sched.advance(1'000'000);  // 1024 Hz periodic: one interrupt
  EXPECT_EQ(b_edges, 1);
}

TEST(DeviceState, I8042) {
  IoBus a_bus, b_bus;
  I8042 a, b;
  a.attach(a_bus);
  b.attach(b_bus);
  a_bus.write(0x64, 1, 0x60);
  a_bus.write(0x60, 1, 0x47);
  for (uint8_t v : {0xf3, 200, 0xf3, 100, 0xf3, 80, 0xf4}) {
    a_bus.write(0x64, 1, 0xd4);
    a_bus.write(0x60, 1, v);
  }
  while (a_bus.read(0x64, 1) & 1) a_bus.read(0x60, 1);
  a.keyboard().key_event(0x1c, true);
  a.mouse().move(3, 4, 1, 0);
  copy_state(a, b);
  EXPECT_EQ(b.command_byte(), 0x47);
  EXPECT_EQ(b.mouse().device_id(), 3);
  std::vector<uint8_t> from_a, from_b;
  while (a_bus.read(0x64, 1) & 1) from_a.push_back(a_bus.read(0x60, 1));
  while (b_bus.read(0x64, 1) & 1) from_b.push_back(b_bus.read(0x60, 1));
  EXPECT_EQ(from_a, from_b);
  EXPECT_EQ(from_b.size(), 5u);  // translated key + a 4-byte wheel packet
}

}  // namespace
}  // namespace dynemu::hw
