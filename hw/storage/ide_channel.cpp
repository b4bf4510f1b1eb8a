#include "hw/storage/ide_channel.h"

#include "hw/storage/prefixed_visitor.h"

namespace dynemu::hw::storage {

namespace reg {
constexpr unsigned kData = 0;
constexpr unsigned kError = 1;  // write: features
constexpr unsigned kNsector = 2;
constexpr unsigned kSector = 3;
constexpr unsigned kLcyl = 4;
constexpr unsigned kHcyl = 5;
constexpr unsigned kSelect = 6;
constexpr unsigned kStatus = 7;  // write: command
}  // namespace reg

IdeChannel::IdeChannel(const char* name, Ports ports) : m_name(name), m_ports(ports) {
  absent_signature(0);
  absent_signature(1);
}

IdeChannel::~IdeChannel() = default;

void IdeChannel::attach(unsigned unit, std::unique_ptr<IdeDevice> device) {
  unit &= 1;
  m_dev[unit] = std::move(device);
  if (m_dev[unit]) {
    m_dev[unit]->connect(this, unit);
    m_dev[unit]->power_on_reset();
  } else {
    m_absent[unit] = TaskFile{};
    absent_signature(unit);
  }
}

void IdeChannel::map_ports(IoBus& io) {
  io.map(m_ports.command, 8, this);
  io.map(m_ports.control, 1, this);
}

IdeDevice* IdeChannel::dma_device() const {
  for (unsigned u : {unsigned{m_unit}, m_unit ^ 1u}) {
    if (m_dev[u] && m_dev[u]->dma_direction() != DmaDirection::None) return m_dev[u].get();
  }
  return nullptr;
}

void IdeChannel::absent_signature(unsigned unit) {
  TaskFile& r = m_absent[unit];
  r.nsector = r.sector = 1;
  r.lcyl = r.hcyl = 0xFF;  // no device: neither the ATA (0/0) nor the ATAPI signature
  r.status = 0;
  r.error = 0;
}

void IdeChannel::reset() {
  for (unsigned u = 0; u < 2; ++u) {
    if (m_dev[u]) {
      m_dev[u]->power_on_reset();
    } else {
      m_absent[u] = TaskFile{};
      absent_signature(u);
    }
  }
  m_unit = 0;
  m_control = 0;
  set_intrq(false);
}

void IdeChannel::visit_state(StateVisitor& v) {
  v("unit", m_unit);
  v("control", m_control);
  v("intrq", m_intrq);
  m_irq.set(m_intrq);  // after a load the wire follows the restored level
  v("absent0", m_absent[0]);
  v("absent1", m_absent[1]);
  // The devices are part of the channel; their fields follow its own.
  for (unsigned u = 0; u < 2; ++u) {
    if (!m_dev[u]) continue;
    PrefixedVisitor pv(v, u ? "unit1." : "unit0.");
    m_dev[u]->visit_state(pv);
  }
}

void IdeChannel::set_intrq(bool level) {
  m_intrq = level;
  m_irq.set(level);
}

void IdeChannel::raise_irq() {
  // nIEN keeps INTRQ from rising; it does not drop a pending one (the
  // status read does), as in QEMU, so masking never makes an extra edge.
  if (m_control & control::kNien) return;
  set_intrq(true);
  if (m_bm) m_bm->irq_raised();
}

void IdeChannel::dma_ready() {
  if (m_bm) m_bm->dma_ready();
}

uint32_t IdeChannel::io_read(uint16_t port, unsigned size) {
  if (port == m_ports.control) return read_alt_status();
  unsigned r = (port - m_ports.command) & 7;
  if (r == reg::kData) {
    IdeDevice* d = m_dev[m_unit].get();
    return d ? d->data_read(size) : 0;
  }
  // Registers are bytes; a wider access reads the following ones too.
  uint32_t value = 0;
  for (unsigned i = 0; i < size && r + i < 8; ++i)
    value |= uint32_t{read_register(r + i)} << (8 * i);
  return value;
}

void IdeChannel::io_write(uint16_t port, unsigned size, uint32_t value) {
  if (port == m_ports.control) {
    write_control(static_cast<uint8_t>(value));
    return;
  }
  unsigned r = (port - m_ports.command) & 7;
  if (r == reg::kData) {
    if (IdeDevice* d = m_dev[m_unit].get()) d->data_write(size, value);
    return;
  }
  for (unsigned i = 0; i < size && r + i < 8; ++i) write_register(r + i, value >> (8 * i));
}

uint8_t IdeChannel::read_register(unsigned r) {
  const TaskFile& t = regs(m_unit);
  bool present = m_dev[m_unit] != nullptr;
  bool hob = m_control & control::kHob;
  if (r == reg::kStatus) set_intrq(false);  // reading status acknowledges INTRQ
  if (empty()) return 0;
  switch (r) {
    case reg::kError: return !present ? 0 : hob ? t.hob_feature : t.error;
    case reg::kNsector: return hob ? t.hob_nsector : t.nsector;
    case reg::kSector: return hob ? t.hob_sector : t.sector;
    case reg::kLcyl: return hob ? t.hob_lcyl : t.lcyl;
    case reg::kHcyl: return hob ? t.hob_hcyl : t.hcyl;
    case reg::kSelect: return t.select;
    default: return present ? t.status : 0;
  }
}

uint8_t IdeChannel::read_alt_status() {
  if (empty() || !m_dev[m_unit]) return 0;
  return m_dev[m_unit]->regs().status;
}

void IdeChannel::write_register(unsigned r, uint8_t value) {
  // Writing any command block register clears HOB (ATA-6 7.9).
  m_control &= ~control::kHob;
  IdeDevice* d = m_dev[m_unit].get();
  bool busy = d && (d->regs().status & (status::kBsy | status::kDrq));
  if (r == reg::kStatus) {
    set_intrq(false);  // a new command acknowledges INTRQ
    if (!d) return;    // commands to an empty position go nowhere
    if (busy && !d->accepts_while_busy(value)) return;
    d->execute(value);
    return;
  }
  // While the selected device is busy or moving data, the task file is its own.
  if (busy) return;
  // Each register keeps its previous value for LBA48 (HOB).
  auto latch = [value](uint8_t& now, uint8_t& previous) {
    previous = now;
    now = value;
  };
  for (unsigned u = 0; u < 2; ++u) {
    TaskFile& t = regs(u);
    switch (r) {
      case reg::kError: latch(t.feature, t.hob_feature); break;
      case reg::kNsector: latch(t.nsector, t.hob_nsector); break;
      case reg::kSector: latch(t.sector, t.hob_sector); break;
      case reg::kLcyl: latch(t.lcyl, t.hob_lcyl); break;
      case reg::kHcyl: latch(t.hcyl, t.hob_hcyl); break;
      case reg::kSelect: t.select = value | kSelectObsolete; break;
    }
  }
  if (r == reg::kSelect) m_unit = (value & kSelectDev) ? 1 : 0;
}

void IdeChannel::write_control(uint8_t value) {
  bool was_reset = m_control & control::kSrst;
  bool reset = value & control::kSrst;
  if (!was_reset && reset) {
    for (auto& d : m_dev) {
      if (d) d->soft_reset_begin();
    }
    set_intrq(false);
  } else if (was_reset && !reset) {
    for (unsigned u = 0; u < 2; ++u) {
      if (m_dev[u]) {
        m_dev[u]->soft_reset_end();
      } else {
        absent_signature(u);
        m_absent[u].select = kSelectObsolete;
      }
    }
    m_unit = 0;
  }
  m_control = value;
}

}  // namespace dynemu::hw::storage
