#pragma once

// Intel 8254 programmable interval timer (the PC's PIT at 0x40-0x43),
// clocked at 1.193182 MHz derived from the machine's virtual clock.
//
// Modelled (82C54 datasheet): three counters, modes 0-5 (6 and 7 alias 2
// and 3), binary and BCD counting, LSB/MSB/LSB-then-MSB access with the
// read/write flip-flops, counter latch and read-back (count and status with
// OUT and NULL COUNT), the one-CLK delay between writing a count and
// loading it, GATE behaviour per mode (suspend in 0/4, trigger in 1/5,
// stop-and-reload in 2/3), counts written during modes 2/3 taking effect at
// the end of the current period, count 0 meaning 65536 (10000 in BCD).
// The OUT pins are exact functions of virtual time; counter 0's OUT drives
// IRQ0 through a scheduler timer armed at each OUT transition.
// Left out: in mode 3 a count written while running is loaded at the end of
// the full period rather than the half cycle; odd counts in mode 3 read back
// approximately. A count of 1 in mode 2 or 3 (illegal per the datasheet)
// leaves OUT constant rather than toggling every CLK.

#include <cstdint>
#include <memory>
#include <type_traits>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"
#include "hw/core/irq.h"
#include "hw/core/scheduler.h"

namespace dynemu::hw {

class I8254 : public Device, public PortHandler {
 public:
  static constexpr int64_t kClockHz = 1'193'182;

  explicit I8254(Scheduler& sched);

  const char* name() const override { return "i8254"; }
  void reset() override;
  void visit_state(StateVisitor& v) override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  // Maps 0x40-0x43 (byte-wide).
  void attach(IoBus& bus);

  // Counter 0's OUT; the board connects it to the PIC's IRQ0.
  IrqLine& irq0() { return m_out0; }

  // GATE inputs (counters 0 and 1 are tied high on a PC; counter 2's gate is
  // bit 0 of port 0x61) and OUT pins (counter 2's OUT reads back as port
  // 0x61 bit 5).
  void set_gate(int counter, bool level);
  bool gate(int counter) const { return m_ch[counter].gate; }
  bool out(int counter);

  // PIT clock ticks elapsed at virtual time ns (a global CLK grid, so every
  // counter sees the same edges).
  static int64_t tick_at(int64_t ns);
  // The first virtual ns at which tick_at() reaches tick.
  static int64_t time_of_tick(int64_t tick);

 private:
  // Plain bytes without padding, so a snapshot of it is deterministic.
  struct Channel {
    int64_t load_tick;     // CLK at which CE was loaded with n
    int64_t held_j;        // CLKs counted when suspended
    int64_t pending_tick;  // CLK at which a pending CR loads (INT64_MAX: at the next trigger)
    uint32_t cr;           // count register, in CLKs (1..65536)
    uint32_t n;            // the count the CE runs with, in CLKs
    uint16_t latched_count;
    uint16_t ce_held;   // CE while not running
    uint8_t mode;       // 0-5 (behaviour); mode_bits holds what was written
    uint8_t mode_bits;  // control word bits 3-1 as written (status reads them back)
    uint8_t rw_mode;    // 1 LSB, 2 MSB, 3 LSB then MSB
    uint8_t bcd;
    uint8_t read_msb;       // read flip-flop (rw_mode 3): next read is the MSB
    uint8_t write_msb;      // write flip-flop (rw_mode 3): next write is the MSB
    uint8_t write_lsb;      // first byte of a two-byte count
    uint8_t count_latched;  // 0, or the bytes of latched_count still to read (1 LSB, 2 MSB, 3 both)
    uint8_t status_latched;
    uint8_t status;
    uint8_t gate;
    uint8_t have_count;  // a count has been written since the control word
    uint8_t running;     // CE counts from load_tick
    uint8_t suspended;   // modes 0/4 with GATE low: CE frozen at held_j
    uint8_t out_held;    // OUT while not running
    uint8_t pending;     // CR written but not yet in CE
    uint8_t null_count;
    uint8_t reserved[3];
  };
  static_assert(std::has_unique_object_representations_v<Channel>);

  void settle(Channel& c, int64_t tick);
  static void trigger(Channel& c, int64_t tick);
  int64_t counted(const Channel& c, int64_t tick) const;  // j: CLKs since load, or -1 before it
  bool out_at(Channel& c, int64_t tick);
  uint16_t ce_at(Channel& c, int64_t tick);
  int64_t next_transition(Channel& c, int64_t tick);
  void update_out0(int64_t ns);
  static bool one_clk_low_at(const Channel& c, int64_t t);
  void catch_up0();
  void changed(int counter);

  void write_control(uint8_t value);
  void write_count(int counter, uint8_t value);
  void load_count(int counter, uint32_t raw);
  void latch_count(Channel& c, int64_t tick);
  uint8_t read_counter(int counter);

  Scheduler& m_sched;
  Channel m_ch[3] = {};
  IrqLine m_out0;
  std::unique_ptr<Scheduler::Timer> m_timer0;
  // The timer is armed past a one-CLK low pulse of OUT0 starting at
  // m_folded_pulse_tick (derived from the counter state, not saved).
  bool m_folded_pulse = false;
  int64_t m_folded_pulse_tick = 0;
};

}  // namespace dynemu::hw
