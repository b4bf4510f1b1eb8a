#include "hw/char/uart16550.h"

namespace dynemu::hw {

namespace {

enum : uint8_t {
  kIerRdi = 0x01,  // received data available
  kIerThri = 0x02,
  kIerRlsi = 0x04,
  kIerMsi = 0x08,

  kIirNoInt = 0x01,
  kIirMsi = 0x00,
  kIirThri = 0x02,
  kIirRdi = 0x04,
  kIirRlsi = 0x06,
  kIirCti = 0x0c,
  kIirFifoEnabled = 0xc0,

  kFcrEnable = 0x01,
  kFcrClearRx = 0x02,
  kFcrClearTx = 0x04,

  kLcrDlab = 0x80,

  kMcrDtr = 0x01,
  kMcrRts = 0x02,
  kMcrOut1 = 0x04,
  kMcrOut2 = 0x08,
  kMcrLoop = 0x10,

  kLsrDr = 0x01,
  kLsrOe = 0x02,
  kLsrPe = 0x04,
  kLsrFe = 0x08,
  kLsrBi = 0x10,
  kLsrThre = 0x20,
  kLsrTemt = 0x40,
  kLsrErrors = kLsrOe | kLsrPe | kLsrFe | kLsrBi,

  kMsrAnyDelta = 0x0f,
  kMsrCts = 0x10,
  kMsrDsr = 0x20,
  kMsrDcd = 0x80,
};

}  // namespace

Uart16550::Uart16550(Scheduler& sched, CharBackend* backend) : m_sched(sched), m_backend(backend) {
  m_timeout = m_sched.make_timer([this] {
    if (m_r.rx_count > 0 && (m_r.fcr & kFcrEnable)) {
      m_r.timeout_ipending = 1;
      update_irq();
    }
  });
  reset();
}

void Uart16550::reset() {
  m_r = Regs{};
  m_r.divider = 12;  // 9600 baud, what BIOSes leave
  m_r.iir = kIirNoInt;
  m_r.lsr = kLsrTemt | kLsrThre;
  // Nothing is attached to the modem inputs: report a ready line, as QEMU.
  m_r.msr = kMsrDcd | kMsrDsr | kMsrCts;
  m_timeout->cancel();
  update_irq();
}

void Uart16550::visit_state(StateVisitor& v) {
  v("regs", m_r);
  int64_t timeout = m_timeout->armed() ? m_timeout->deadline() : -1;
  v("timeout_deadline", timeout);
  if (timeout >= 0) {
    m_timeout->arm(timeout);
  } else {
    m_timeout->cancel();
  }
}

void Uart16550::attach(IoBus& bus, uint16_t base) {
  bus.map(base, 8, this, 1);
}

int64_t Uart16550::char_time_ns() const {
  const int data_bits = (m_r.lcr & 3) + 5;
  const int parity = (m_r.lcr >> 3) & 1;
  // Two stop bits, or 1.5 with 5-bit characters: count the frame in half bits.
  const int stop_half = (m_r.lcr & 4) ? (data_bits == 5 ? 3 : 4) : 2;
  const int64_t half_bits = 2 * (1 + data_bits + parity) + stop_half;
  const int64_t divider = m_r.divider ? m_r.divider : 0x10000;
  return half_bits * divider * 16 * 1'000'000'000 / (2 * kInputClockHz);
}

uint8_t Uart16550::rx_trigger() const {
  static constexpr uint8_t kLevels[4] = {1, 4, 8, 14};
  return kLevels[m_r.fcr >> 6];
}

void Uart16550::update_irq() {
  uint8_t id = kIirNoInt;
  const bool fifo = m_r.fcr & kFcrEnable;
  if ((m_r.ier & kIerRlsi) && (m_r.lsr & kLsrErrors)) {
    id = kIirRlsi;
  } else if ((m_r.ier & kIerRdi) && m_r.timeout_ipending) {
    id = kIirCti;
  } else if ((m_r.ier & kIerRdi) && (m_r.lsr & kLsrDr) && (!fifo || m_r.rx_count >= rx_trigger())) {
    id = kIirRdi;
  } else if ((m_r.ier & kIerThri) && m_r.thr_ipending) {
    id = kIirThri;
  } else if ((m_r.ier & kIerMsi) && (m_r.msr & kMsrAnyDelta)) {
    id = kIirMsi;
  }
  m_r.iir = id;
  m_irq.set(id != kIirNoInt && (m_r.mcr & kMcrOut2));
}

void Uart16550::arm_timeout() {
  m_timeout->arm(m_sched.now() + 4 * char_time_ns());
}

void Uart16550::receive_byte(uint8_t b) {
  if (m_r.fcr & kFcrEnable) {
    if (m_r.rx_count == kFifoSize) {
      m_r.lsr |= kLsrOe;  // the shift register's byte is lost
    } else {
      m_r.rx_fifo[(m_r.rx_head + m_r.rx_count) % kFifoSize] = b;
      ++m_r.rx_count;
    }
    arm_timeout();
  } else {
    if (m_r.lsr & kLsrDr) m_r.lsr |= kLsrOe;
    m_r.rbr = b;
  }
  m_r.lsr |= kLsrDr;
  update_irq();
}

size_t Uart16550::can_receive() const {
  if (m_r.mcr & kMcrLoop) return 0;
  if (!(m_r.fcr & kFcrEnable)) return (m_r.lsr & kLsrDr) ? 0 : 1;
  if (m_r.rx_count >= kFifoSize) return 0;
  // Offer only up to the trigger level (then one at a time), so the guest
  // gets its interrupt at the level it chose instead of a full FIFO.
  const uint8_t itl = rx_trigger();
  return m_r.rx_count < itl ? itl - m_r.rx_count : 1;
}

void Uart16550::receive(std::span<const uint8_t> bytes) {
  for (uint8_t b : bytes) receive_byte(b);
}

void Uart16550::transmit(uint8_t b) {
  if (m_r.mcr & kMcrLoop) {
    receive_byte(b);
  } else if (m_backend) {
    m_backend->write(std::span<const uint8_t>(&b, 1));
  }
  // Sent at once: holding and shift registers are empty again.
  m_r.lsr |= kLsrThre | kLsrTemt;
  m_r.thr_ipending = 1;
  update_irq();
}

uint8_t Uart16550::read_rbr() {
  uint8_t b = 0;
  if (m_r.fcr & kFcrEnable) {
    if (m_r.rx_count > 0) {
      b = m_r.rx_fifo[m_r.rx_head];
      m_r.rx_head = (m_r.rx_head + 1) % kFifoSize;
      --m_r.rx_count;
    }
    if (m_r.rx_count == 0) {
      m_r.lsr &= ~(kLsrDr | kLsrBi);
      m_timeout->cancel();
    } else {
      arm_timeout();
    }
  } else {
    b = m_r.rbr;
    m_r.lsr &= ~(kLsrDr | kLsrBi);
  }
  m_r.timeout_ipending = 0;
  update_irq();
  return b;
}

uint32_t Uart16550::io_read(uint16_t port, unsigned size) {
  switch (port & 7) {
    case 0:
      if (m_r.lcr & kLcrDlab) return m_r.divider & 0xff;
      return read_rbr();
    case 1:
      if (m_r.lcr & kLcrDlab) return m_r.divider >> 8;
      return m_r.ier;
    case 2: {
      const uint8_t v = m_r.iir | ((m_r.fcr & kFcrEnable) ? kIirFifoEnabled : 0);
      // Reading IIR while it reports THR empty clears that source.
      if ((m_r.iir & 0x0f) == kIirThri) {
        m_r.thr_ipending = 0;
        update_irq();
      }
      return v;
    }
    case 3: return m_r.lcr;
    case 4: return m_r.mcr;
    case 5: {
      const uint8_t v = m_r.lsr;
      if (m_r.lsr & kLsrErrors) {
        m_r.lsr &= ~kLsrErrors;
        update_irq();
      }
      return v;
    }
    case 6: {
      if (m_r.mcr & kMcrLoop) {
        // Loopback: OUT2->DCD, OUT1->RI, RTS->CTS, DTR->DSR.
        return ((m_r.mcr & (kMcrOut1 | kMcrOut2)) << 4) | ((m_r.mcr & kMcrRts) << 3) |
               ((m_r.mcr & kMcrDtr) << 5);
      }
      const uint8_t v = m_r.msr;
      if (m_r.msr & kMsrAnyDelta) {
        m_r.msr &= 0xf0;
        update_irq();
      }
      return v;
    }
    default: return m_r.scr;
  }
}

void Uart16550::io_write(uint16_t port, unsigned size, uint32_t value) {
  const uint8_t v = value & 0xff;
  switch (port & 7) {
    case 0:
      if (m_r.lcr & kLcrDlab) {
        m_r.divider = (m_r.divider & 0xff00) | v;
        return;
      }
      m_r.thr_ipending = 0;
      m_r.lsr &= ~(kLsrThre | kLsrTemt);
      transmit(v);
      return;
    case 1: {
      if (m_r.lcr & kLcrDlab) {
        m_r.divider = (m_r.divider & 0x00ff) | (v << 8);
        return;
      }
      const uint8_t old = m_r.ier;
      m_r.ier = v & 0x0f;
      // Enabling the THRE interrupt with the holding register empty raises
      // it at once (PC16550D: "THRE interrupt ... when enabled").
      if ((m_r.ier & kIerThri) && !(old & kIerThri) && (m_r.lsr & kLsrThre)) m_r.thr_ipending = 1;
      update_irq();
      return;
    }
    case 2: {
      const bool was = m_r.fcr & kFcrEnable;
      const bool now = v & kFcrEnable;
      // Toggling the FIFO enable clears both FIFOs.
      if (was != now || (v & kFcrClearRx)) {
        m_r.rx_count = 0;
        m_r.rx_head = 0;
        m_r.timeout_ipending = 0;
        m_timeout->cancel();
        if (was != now || now) m_r.lsr &= ~(kLsrDr | kLsrBi);
      }
      if (v & kFcrClearTx) m_r.lsr |= kLsrThre | kLsrTemt;  // nothing is ever queued
      m_r.fcr = now ? (v & 0xc9) : 0;
      update_irq();
      return;
    }
    case 3: m_r.lcr = v; return;
    case 4:
      m_r.mcr = v & 0x1f;
      update_irq();
      return;
    case 5:
    case 6: return;  // LSR and MSR are read-only (factory test writes ignored)
    default: m_r.scr = v; return;
  }
}

}  // namespace dynemu::hw
