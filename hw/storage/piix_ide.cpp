#include "hw/storage/piix_ide.h"

#include "hw/pci/pci_regs.h"
#include "hw/storage/prefixed_visitor.h"

namespace dynemu::hw::storage {

namespace {

pci::PciId piix_ide_id() {
  pci::PciId id;
  id.vendor = 0x8086;
  id.device = 0x7010;
  id.class_code = 0x010180;  // mass storage, IDE, legacy mode + bus master
  return id;
}

constexpr int kBmBar = 4;
constexpr uint32_t kBmBarSize = 16;

}  // namespace

PiixIde::PiixIde(mmu::PhysMemory* memory) : PciDevice(piix_ide_id()) {
  m_channel[0] = std::make_unique<IdeChannel>("ide0", IdeChannel::kPrimary);
  m_channel[1] = std::make_unique<IdeChannel>("ide1", IdeChannel::kSecondary);
  for (unsigned n = 0; n < 2; ++n) {
    m_bm[n] = std::make_unique<BusMasterDma>(*m_channel[n], memory);
    m_channel[n]->set_bus_master(m_bm[n].get());
  }
  set_io_bar(kBmBar, kBmBarSize, this);
  PiixIde::reset();
}

PiixIde::~PiixIde() = default;

void PiixIde::map_legacy_ports(IoBus& io) {
  m_channel[0]->map_ports(io);
  m_channel[1]->map_ports(io);
}

void PiixIde::reset() {
  PciDevice::reset();
  set_config_word(pci::kStatus, 0x0280);  // medium DEVSEL, fast back-to-back
  set_config_word(kIdetimPrimary, kIdetimDecodeEnable);
  set_config_word(kIdetimSecondary, kIdetimDecodeEnable);
  for (unsigned n = 0; n < 2; ++n) {
    m_channel[n]->reset();
    m_bm[n]->reset();
  }
}

void PiixIde::visit_state(StateVisitor& v) {
  PciDevice::visit_state(v);
  for (unsigned n = 0; n < 2; ++n) {
    PrefixedVisitor cv(v, n ? "ide1." : "ide0.");
    m_channel[n]->visit_state(cv);
    PrefixedVisitor bv(v, n ? "bm1." : "bm0.");
    m_bm[n]->visit_state(bv);
  }
}

uint32_t PiixIde::io_read(uint16_t offset, unsigned size) {
  return m_bm[(offset >> 3) & 1]->read(offset & 7, size);
}

void PiixIde::io_write(uint16_t offset, unsigned size, uint32_t value) {
  m_bm[(offset >> 3) & 1]->write(offset & 7, size, value);
}

}  // namespace dynemu::hw::storage
