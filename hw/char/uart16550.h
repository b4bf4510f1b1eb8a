#pragma once

// National Semiconductor PC16550D UART ("16550A"), one per COM port.
//
// Modelled (PC16550D datasheet, QEMU's serial.c as the behavioural
// reference): RBR/THR, IER, IIR with the four-level priority (line status,
// received data / character timeout, THR empty, modem status), FCR with
// 16-byte FIFOs and trigger levels 1/4/8/14, LCR with the DLAB divisor
// latch, MCR (DTR, RTS, OUT1, OUT2, loopback), LSR (DR, OE, THRE, TEMT),
// MSR with delta bits, SCR. The THRE interrupt fires when enabled with the
// holding register empty (Linux's serial8250 probes for exactly that), and
// the character timeout interrupt after four character times (from the
// divisor and LCR frame) of virtual time. On the PC the IRQ line is gated by
// MCR OUT2, as the board's interrupt buffer is.
// Left out: transmission takes no time (bytes go straight to the backend,
// as QEMU does); parity/framing errors and break are never received; no
// DMA mode signalling; in loopback mode host input waits (can_receive() 0).

#include <cstdint>
#include <memory>
#include <type_traits>

#include "hw/char/char_backend.h"
#include "hw/core/device.h"
#include "hw/core/io_bus.h"
#include "hw/core/irq.h"
#include "hw/core/scheduler.h"

namespace dynemu::hw {

class Uart16550 : public Device, public PortHandler, public CharFrontend {
 public:
  static constexpr int kFifoSize = 16;
  static constexpr int64_t kInputClockHz = 1'843'200;

  // backend may be null (output dropped); it must outlive the UART.
  Uart16550(Scheduler& sched, CharBackend* backend);

  const char* name() const override { return "uart16550"; }
  void reset() override;
  void visit_state(StateVisitor& v) override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  // Maps base..base+7 (byte-wide): COM1 0x3F8 (IRQ4), COM2 0x2F8 (IRQ3).
  void attach(IoBus& bus, uint16_t base);

  IrqLine& irq() { return m_irq; }
  void set_backend(CharBackend* backend) { m_backend = backend; }

  // CharFrontend: host -> guest.
  size_t can_receive() const override;
  void receive(std::span<const uint8_t> bytes) override;

  // Virtual ns one character frame takes at the programmed rate.
  int64_t char_time_ns() const;

 private:
  struct Regs {
    uint16_t divider;
    uint8_t rbr;  // non-FIFO receive holding register
    uint8_t ier;
    uint8_t iir;
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr;
    uint8_t msr;
    uint8_t scr;
    uint8_t fcr;
    uint8_t thr_ipending;
    uint8_t timeout_ipending;
    uint8_t rx_count;
    uint8_t rx_head;
    uint8_t rx_fifo[kFifoSize];
    uint8_t reserved;
  };
  static_assert(std::has_unique_object_representations_v<Regs>);

  void update_irq();
  void receive_byte(uint8_t b);
  void transmit(uint8_t b);
  uint8_t read_rbr();
  uint8_t rx_trigger() const;
  void arm_timeout();

  Scheduler& m_sched;
  CharBackend* m_backend;
  IrqLine m_irq;
  std::unique_ptr<Scheduler::Timer> m_timeout;
  Regs m_r = {};
};

}  // namespace dynemu::hw
