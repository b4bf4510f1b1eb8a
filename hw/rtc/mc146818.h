#pragma once

// Motorola MC146818A real-time clock with 128 bytes of CMOS RAM, as in every
// PC/AT (index 0x70, data 0x71, IRQ8).
//
// Modelled (MC146818A datasheet; QEMU's mc146818rtc as the reference):
// seconds/minutes/hours/day-of-week/date/month/year and their alarms, BCD
// or binary (DM) and 12/24-hour (with the PM bit) formats, registers A-D,
// the SET bit (updates inhibited, UIE cleared, registers writable, the
// divider keeps its phase), the divider chain reset (DV = 11x; the first
// update comes 500 ms after it is released), UIP during the last 244 us of
// each second, the periodic interrupt at every rate select, update-ended
// and alarm interrupts (with "don't care" alarm values 0xC0-0xFF), IRQF and
// reg C cleared by reading it, VRT in reg D, the NMI mask in bit 7 of the
// index, and the century byte at 0x32 (the IBM PC convention, BCD/binary
// like the other registers). Time runs on the machine's virtual clock from
// a wall-clock value the board sets once.
// Left out: daylight saving (DSE is stored but ignored), the square-wave
// output pin, the divider's test modes (DV 000/001 behave as 010, as in
// QEMU), lost-tick compensation for periodic interrupts.

#include <cstdint>
#include <memory>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"
#include "hw/core/irq.h"
#include "hw/core/scheduler.h"

namespace dynemu::hw {

// The CMOS bytes the PC BIOS (SeaBIOS) and operating systems read, for the
// board to fill in. Bytes 0x10-0x2D are covered by the checksum at
// 0x2E (high) / 0x2F (low), which set_cmos() keeps up to date.
namespace cmos {
inline constexpr uint8_t kFloppyTypes = 0x10;
inline constexpr uint8_t kDiskTypes = 0x12;
inline constexpr uint8_t kEquipment = 0x14;
inline constexpr uint8_t kBaseMemLo = 0x15;  // KiB below 1 MiB (640)
inline constexpr uint8_t kBaseMemHi = 0x16;
inline constexpr uint8_t kExtMemLo = 0x17;  // KiB above 1 MiB, at most 65535
inline constexpr uint8_t kExtMemHi = 0x18;
inline constexpr uint8_t kDisk0Type = 0x19;
inline constexpr uint8_t kDisk1Type = 0x1a;
inline constexpr uint8_t kChecksumHi = 0x2e;
inline constexpr uint8_t kChecksumLo = 0x2f;
inline constexpr uint8_t kExtMem2Lo = 0x30;  // copy of 0x17/0x18
inline constexpr uint8_t kExtMem2Hi = 0x31;
inline constexpr uint8_t kCentury = 0x32;
inline constexpr uint8_t kMemAbove16MLo = 0x34;  // 64 KiB units between 16 MiB and 4 GiB
inline constexpr uint8_t kMemAbove16MHi = 0x35;
inline constexpr uint8_t kBootFlags1 =
    0x38;  // bits 7-4: third boot device; bit 0: skip floppy signature check
inline constexpr uint8_t kBootFlags2 = 0x3d;    // bits 3-0 first, 7-4 second boot device
inline constexpr uint8_t kMemAbove4GLo = 0x5b;  // 64 KiB units above 4 GiB (3 bytes)
inline constexpr uint8_t kMemAbove4GMid = 0x5c;
inline constexpr uint8_t kMemAbove4GHi = 0x5d;
inline constexpr uint8_t kCpuCountMinus1 = 0x5f;
}  // namespace cmos

class Mc146818 : public Device, public PortHandler {
 public:
  static constexpr int64_t kUipHoldNs = 244'000;

  explicit Mc146818(Scheduler& sched);

  const char* name() const override { return "mc146818"; }
  // System reset: the clock and CMOS RAM are battery-backed and survive;
  // interrupt enables (PIE, AIE, UIE, SQWE) and flags (reg C) are cleared.
  void reset() override;
  void visit_state(StateVisitor& v) override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  void attach(IoBus& bus);  // maps 0x70-0x71

  IrqLine& irq() { return m_irq; }  // IRQ8

  // Wall-clock seconds since 1970-01-01 00:00:00 the RTC shows now (the
  // board reads the host clock once, UTC unless asked for local time).
  void set_time(int64_t unix_seconds);
  int64_t time() const;  // what the RTC shows now, as Unix seconds

  // CMOS RAM for the board (any index 0x0E-0x7F; a byte inside the checksum
  // range updates the checksum).
  void set_cmos(uint8_t index, uint8_t value);
  uint8_t cmos(uint8_t index) const { return m_cmos[index & 0x7f]; }
  void update_checksum();

  bool nmi_masked() const { return m_nmi_masked; }

 private:
  bool running() const;          // updates happen (SET clear, divider not in reset)
  bool divider_running() const;  // the divider chain (periodic interrupts, phase) runs
  int64_t seconds_at(int64_t ns) const;
  void store_time(int64_t secs);  // registers 0x00-0x09 and 0x32 from secs
  int64_t load_time() const;      // secs from registers 0x00-0x09 and 0x32
  uint8_t to_reg(int v) const;
  int from_reg(uint8_t v) const;
  bool update_in_progress() const;
  void sync_periodic(int64_t ns);
  void update_irq();
  void reschedule();
  void on_update(int64_t ns);
  void on_periodic(int64_t ns);
  int64_t periodic_cycles() const;
  int64_t next_periodic(int64_t ns) const;  // 32768 Hz cycles per periodic interrupt, 0 if off
  uint8_t read_data();
  void write_data(uint8_t value);

  Scheduler& m_sched;
  IrqLine m_irq;
  std::unique_ptr<Scheduler::Timer> m_update_timer;
  std::unique_ptr<Scheduler::Timer> m_periodic_timer;

  uint8_t m_cmos[128] = {};
  uint8_t m_index = 0;
  bool m_nmi_masked = false;
  // Time shown = m_base_sec + floor((now - m_base_ns) / 1 s) while running;
  // m_base_ns is the divider chain's phase (a second boundary).
  int64_t m_base_sec = 0;
  int64_t m_base_ns = 0;
  int64_t m_periodic_checked_ns = 0;  // PF accounted up to here
};

}  // namespace dynemu::hw
