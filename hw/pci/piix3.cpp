#include "hw/pci/piix3.h"

namespace dynemu::pci {
namespace {

PciId bridge_id() {
  PciId id;
  id.vendor = 0x8086;
  id.device = 0x7000;
  id.class_code = 0x060100;  // ISA bridge
  id.header_type = kHeaderMultiFunction;
  return id;
}

// Power-on values of the registers past the header (82371SB datasheet, as
// QEMU sets them).
struct ResetValue {
  uint8_t offset, value;
};
constexpr ResetValue kResetValues[] = {
    {0x4c, 0x4d},  // IORT: ISA I/O recovery timer
    {0x4e, 0x03},  // XBCS: X-bus chip select (keyboard controller, RTC)
    {0x60, 0x80}, {0x61, 0x80}, {0x62, 0x80}, {0x63, 0x80},  // PIRQRC: routes disabled
    {0x69, 0x02},                                            // TOM: top of memory
    {0x70, 0x80},                                            // MBIRQ0: disabled
    {0x76, 0x0c}, {0x77, 0x0c},                              // MBDMA
    {0xa0, 0x08},                                            // SMICNTL
    {0xa8, 0x0f},                                            // SEEC
};

}  // namespace

Piix3::Piix3() : PciDevice(bridge_id()) {
  Piix3::reset();
}

Piix3::~Piix3() {
  if (bus() && bus()->irq_router() == this) bus()->set_irq_router(nullptr);
}

void Piix3::map_ports(hw::IoBus& io) {
  io.map(kResetControlPort, 1, this, 1);
}

void Piix3::reset() {
  PciDevice::reset();
  // Medium DEVSEL. The command register powers up 0 as on QEMU, whose PCI
  // reset clears the writable command bits after the chip's own reset.
  set_config_word(kStatus, 0x0200);
  m_wmask[kInterruptLine] = 0;
  for (const ResetValue& r : kResetValues) m_config[r.offset] = r.value;
  for (int i = 0; i < 4; ++i) m_wmask[kPirqRoute + i] = 0x8f;
  m_reset_control = 0;
  m_pirq_levels = 0;
  update_isa_levels();
}

void Piix3::visit_state(hw::StateVisitor& v) {
  PciDevice::visit_state(v);
  v("pirq_levels", m_pirq_levels);
  v("isa_levels", m_isa_levels);
  v("reset_control", m_reset_control);
}

int Piix3::route(int pirq) const {
  const uint8_t r = m_config[kPirqRoute + pirq];
  return (r & 0x80) ? -1 : (r & 0x0f);
}

void Piix3::set_pirq(int pirq, bool level) {
  const uint8_t bit = static_cast<uint8_t>(1u << pirq);
  m_pirq_levels = level ? (m_pirq_levels | bit) : (m_pirq_levels & ~bit);
  update_isa_levels();
}

void Piix3::config_written(uint8_t offset, unsigned size) {
  if (offset < kPirqRoute + 4 && kPirqRoute < offset + size) update_isa_levels();
}

void Piix3::update_isa_levels() {
  uint16_t want = 0;
  for (int pirq = 0; pirq < 4; ++pirq) {
    const int irq = route(pirq);
    if (irq >= 0 && (m_pirq_levels & (1u << pirq))) want |= static_cast<uint16_t>(1u << irq);
  }
  const uint16_t changed = want ^ m_isa_levels;
  m_isa_levels = want;
  if (!m_isa_irq) return;
  // A route moved away from an IRQ lowers it; one moved onto it raises it.
  for (int irq = 0; irq < 16; ++irq)
    if (changed & (1u << irq)) m_isa_irq(irq, (want >> irq) & 1);
}

uint32_t Piix3::io_read(uint16_t port, unsigned size) {
  return m_reset_control;
}

void Piix3::io_write(uint16_t port, unsigned size, uint32_t value) {
  if (value & 0x04) {
    if (m_reset_request) m_reset_request();
    return;
  }
  m_reset_control = value & 0x02;
}

}  // namespace dynemu::pci
