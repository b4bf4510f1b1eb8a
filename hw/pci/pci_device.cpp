#include "hw/pci/pci_device.h"

#include <bit>
#include <cassert>
#include <utility>

#include "hw/pci/pci_bus.h"

namespace dynemu::pci {
namespace {

// Turns absolute ports into offsets from the BAR's current base, so an I/O
// BAR's handler does not care where firmware put it.
class RelativePorts : public hw::PortHandler {
 public:
  RelativePorts(const PciDevice::Region& region, hw::PortHandler* target)
      : m_region(region), m_target(target) {}
  uint32_t io_read(uint16_t port, unsigned size) override {
    return m_target->io_read(static_cast<uint16_t>(port - m_region.mapped), size);
  }
  void io_write(uint16_t port, unsigned size, uint32_t value) override {
    m_target->io_write(static_cast<uint16_t>(port - m_region.mapped), size, value);
  }

 private:
  const PciDevice::Region& m_region;
  hw::PortHandler* m_target;
};

bool overlaps(uint8_t offset, unsigned size, unsigned first, unsigned count) {
  return offset < first + count && first < offset + size;
}

}  // namespace

PciDevice::PciDevice(const PciId& id) : m_id(id) {
  write_header_defaults();
}

PciDevice::~PciDevice() {
  if (m_bus) m_bus->detach(*this);
}

void PciDevice::write_header_defaults() {
  m_config.fill(0);
  m_wmask.fill(0);
  m_w1cmask.fill(0);
  set_config_word(kVendorId, m_id.vendor);
  set_config_word(kDeviceId, m_id.device);
  m_config[kRevision] = m_id.revision;
  m_config[kClassProgIf] = m_id.class_code & 0xff;
  m_config[kClassProgIf + 1] = (m_id.class_code >> 8) & 0xff;
  m_config[kClassProgIf + 2] = (m_id.class_code >> 16) & 0xff;
  m_config[kHeaderType] = m_id.header_type;
  set_config_word(kSubsystemVendorId, m_id.subsystem_vendor);
  set_config_word(kSubsystemId, m_id.subsystem);

  // Writable header bits, as QEMU's generic PCI device has them (parity
  // error response is not: checked against QEMU).
  const uint16_t command =
      kCommandIo | kCommandMemory | kCommandMaster | kCommandSerr | kCommandIntxDisable;
  m_wmask[kCommand] = command & 0xff;
  m_wmask[kCommand + 1] = command >> 8;
  m_w1cmask[kStatus] = kStatusWriteOneToClear & 0xff;
  m_w1cmask[kStatus + 1] = kStatusWriteOneToClear >> 8;
  m_wmask[kCacheLineSize] = 0xff;
  m_wmask[kLatencyTimer] = 0xff;
  m_wmask[kInterruptLine] = 0xff;
  for (unsigned i = kHeaderSize; i < 256; ++i) m_wmask[i] = 0xff;

  for (int slot = 0; slot <= kRomSlot; ++slot) {
    const Region& r = m_regions[slot];
    if (r.kind == Region::Kind::None) continue;
    const uint8_t at = slot == kRomSlot ? kRomAddress : kBar0 + 4 * slot;
    uint32_t type = 0, mask = 0;
    switch (r.kind) {
      case Region::Kind::Io:
        type = kBarIo;
        mask = ~(r.size - 1) & ~3u;
        break;
      case Region::Kind::Mmio:
      case Region::Kind::Ram:
        type = r.prefetch == Prefetch::Yes ? kBarMemPrefetch : 0;
        mask = ~(r.size - 1) & ~0xfu;
        break;
      case Region::Kind::Rom: mask = ~(r.size - 1) | kRomEnable; break;
      case Region::Kind::None: break;
    }
    set_config_dword(at, type);
    for (int i = 0; i < 4; ++i) m_wmask[at + i] = (mask >> (8 * i)) & 0xff;
  }
  m_config[kInterruptPin] = m_pin;
}

void PciDevice::reset() {
  write_header_defaults();
  m_irq_level = false;
  if (m_bus) {
    m_bus->update_mappings(*this);
    m_bus->irq_changed(*this);
  }
}

void PciDevice::visit_state(hw::StateVisitor& v) {
  v("config", m_config);
  v("irq_level", m_irq_level);
}

uint16_t PciDevice::config_word(uint8_t offset) const {
  return static_cast<uint16_t>(m_config[offset] | m_config[(offset + 1) & 0xff] << 8);
}

uint32_t PciDevice::config_dword(uint8_t offset) const {
  return config_word(offset) | static_cast<uint32_t>(config_word((offset + 2) & 0xff)) << 16;
}

void PciDevice::set_config_word(uint8_t offset, uint16_t value) {
  m_config[offset] = value & 0xff;
  m_config[(offset + 1) & 0xff] = value >> 8;
}

void PciDevice::set_config_dword(uint8_t offset, uint32_t value) {
  set_config_word(offset, value & 0xffff);
  set_config_word((offset + 2) & 0xff, value >> 16);
}

uint32_t PciDevice::config_read(uint8_t offset, unsigned size) {
  uint32_t v = 0;
  for (unsigned i = 0; i < size; ++i) {
    const unsigned at = offset + i;
    v |= static_cast<uint32_t>(at < 256 ? m_config[at] : 0xff) << (8 * i);
  }
  return v;
}

void PciDevice::config_write(uint8_t offset, unsigned size, uint32_t value) {
  if (offset + size > 256) size = 256 - offset;
  for (unsigned i = 0; i < size; ++i) {
    const unsigned at = offset + i;
    const uint8_t b = (value >> (8 * i)) & 0xff;
    m_config[at] = static_cast<uint8_t>((m_config[at] & ~m_wmask[at]) | (b & m_wmask[at]));
    m_config[at] &= static_cast<uint8_t>(~(b & m_w1cmask[at]));
  }
  // Status bit 3 is the device's own interrupt level, never written.
  if (m_irq_level) m_config[kStatus] |= kStatusInterrupt;

  if (m_bus) {
    if (overlaps(offset, size, kCommand, 2) || overlaps(offset, size, kBar0, 4 * kBarCount) ||
        overlaps(offset, size, kRomAddress, 4))
      m_bus->update_mappings(*this);
    if (overlaps(offset, size, kCommand, 2)) m_bus->irq_changed(*this);
  }
  config_written(offset, size);
}

void PciDevice::define_bar(int slot, Region r) {
  assert(slot >= 0 && slot <= kRomSlot);
  assert(!m_bus && "regions are wiring: declare them before attaching");
  assert(std::has_single_bit(r.size));
  if (r.kind == Region::Kind::Io)
    r.relative = std::make_unique<RelativePorts>(m_regions[slot], r.io);
  m_regions[slot] = std::move(r);
  m_regions[slot].mapped = kUnmapped;
  write_header_defaults();
}

void PciDevice::set_io_bar(int index, uint32_t size, hw::PortHandler* handler) {
  assert(index < kBarCount && size >= 4);
  define_bar(index, Region{.kind = Region::Kind::Io, .size = size, .io = handler});
}

void PciDevice::set_mmio_bar(int index, uint32_t size, mmu::MmioHandler* handler,
                             Prefetch prefetch) {
  assert(index < kBarCount && size >= 16);
  define_bar(
      index,
      Region{.kind = Region::Kind::Mmio, .size = size, .prefetch = prefetch, .mmio = handler});
}

void PciDevice::set_ram_bar(int index, uint32_t size, uint8_t* host, Prefetch prefetch) {
  assert(index < kBarCount && size >= 16);
  define_bar(index,
             Region{.kind = Region::Kind::Ram, .size = size, .prefetch = prefetch, .ram = host});
}

void PciDevice::set_rom(std::vector<uint8_t> image) {
  uint32_t size = std::bit_ceil(static_cast<uint32_t>(image.size()));
  if (size < 2048) size = 2048;
  image.resize(size, 0);
  m_rom = std::move(image);
  define_bar(kRomSlot, Region{.kind = Region::Kind::Rom, .size = size});
}

void PciDevice::set_interrupt_pin(uint8_t pin) {
  assert(pin <= 4);
  m_pin = pin;
  m_config[kInterruptPin] = pin;
}

uint32_t PciDevice::decoded_address(int slot) const {
  const Region& r = m_regions[slot];
  const uint16_t cmd = command();
  uint32_t bar = 0;
  switch (r.kind) {
    case Region::Kind::None: return kUnmapped;
    case Region::Kind::Io:
      if (!(cmd & kCommandIo)) return kUnmapped;
      bar = config_dword(kBar0 + 4 * slot) & ~3u;
      break;
    case Region::Kind::Mmio:
    case Region::Kind::Ram:
      if (!(cmd & kCommandMemory)) return kUnmapped;
      bar = config_dword(kBar0 + 4 * slot) & ~0xfu;
      break;
    case Region::Kind::Rom: {
      const uint32_t rom = config_dword(kRomAddress);
      if (!(cmd & kCommandMemory) || !(rom & kRomEnable)) return kUnmapped;
      bar = rom & ~0x7ffu;
      break;
    }
  }
  bar &= ~(r.size - 1);
  const uint64_t last = uint64_t{bar} + r.size - 1;
  // As QEMU: address 0 and anything reaching the top of the space are
  // treated as not decoded, which also keeps a BAR that is being sized
  // (all ones written) from covering the BIOS at 4 GiB.
  if (bar == 0 || last >= 0xffffffffu) return kUnmapped;
  if (r.kind == Region::Kind::Io && last > 0xffff) return kUnmapped;
  return bar;
}

bool PciDevice::irq_asserted() const {
  return m_irq_level && !(command() & kCommandIntxDisable);
}

void PciDevice::set_irq(bool level) {
  if (level == m_irq_level) return;
  m_irq_level = level;
  if (level)
    m_config[kStatus] |= kStatusInterrupt;
  else
    m_config[kStatus] &= static_cast<uint8_t>(~kStatusInterrupt);
  if (m_bus) m_bus->irq_changed(*this);
}

}  // namespace dynemu::pci
