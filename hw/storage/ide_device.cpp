#include "hw/storage/ide_device.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace dynemu::hw::storage {

void IdeDevice::execute(uint8_t cmd) {
  stop_pio();
  stop_dma();
  m_regs.error = 0;
  command(cmd);
}

uint32_t IdeDevice::data_read(unsigned size) {
  if (m_pio_dir != PioDirection::In) return 0;
  uint32_t value = 0;
  uint32_t n = std::min<uint32_t>(size, m_pio_end - m_pio_pos);
  std::memcpy(&value, m_buf.data() + m_pio_pos, n);
  m_pio_pos += n;
  if (m_pio_pos >= m_pio_end) {
    stop_pio();
    pio_block_done();
  }
  return value;
}

void IdeDevice::data_write(unsigned size, uint32_t value) {
  if (m_pio_dir != PioDirection::Out) return;
  uint32_t n = std::min<uint32_t>(size, m_pio_end - m_pio_pos);
  std::memcpy(m_buf.data() + m_pio_pos, &value, n);
  m_pio_pos += n;
  if (m_pio_pos >= m_pio_end) {
    stop_pio();
    pio_block_done();
  }
}

void IdeDevice::start_pio(PioDirection dir, uint32_t bytes) {
  m_pio_dir = dir;
  m_pio_pos = 0;
  m_pio_end = bytes;
  m_regs.status = status::kDrdy | status::kDsc | status::kDrq;
}

void IdeDevice::stop_pio() {
  m_pio_dir = PioDirection::None;
  m_pio_pos = m_pio_end = 0;
  m_regs.status &= ~status::kDrq;
}

void IdeDevice::fail(uint8_t err) {
  stop_pio();
  stop_dma();
  m_regs.error = err;
  m_regs.status = status::kDrdy | status::kErr;
  raise_irq();
}

void IdeDevice::report_host_error(const Error& e) {
  if (m_error_reported) return;
  m_error_reported = true;
  std::fprintf(stderr, "dynemu: %s: %s (the guest sees a media error; further errors not shown)\n",
               name(), e.message.c_str());
}

void IdeDevice::start_dma(DmaDirection dir, uint32_t bytes) {
  m_dma_dir = dir;
  m_dma_left = bytes;
  m_regs.status = status::kDrdy | status::kDsc | status::kDrq;
  if (m_bus) m_bus->dma_ready();
}

void IdeDevice::stop_dma() {
  m_dma_dir = DmaDirection::None;
  m_dma_left = 0;
}

uint32_t IdeDevice::dma_transfer(std::span<uint8_t> buf) {
  if (m_dma_dir == DmaDirection::None) return 0;
  uint32_t n = static_cast<uint32_t>(std::min<size_t>(buf.size(), m_dma_left));
  if (!dma_data(buf.first(n))) return 0;
  m_dma_left -= n;
  if (m_dma_left == 0) {
    stop_dma();
    m_regs.status &= ~status::kDrq;
    dma_complete();
  }
  return n;
}

void IdeDevice::set_signature() {
  const uint16_t cylinder = signature_cylinder();
  m_regs.nsector = 1;
  m_regs.sector = 1;
  m_regs.lcyl = cylinder & 0xFF;
  m_regs.hcyl = cylinder >> 8;
  m_regs.select &= ~0x0F;
}

void IdeDevice::power_on_reset() {
  stop_pio();
  stop_dma();
  m_regs = TaskFile{};
  set_signature();
  m_regs.error = 0x01;  // diagnostic passed
  m_regs.status = status_after_reset();
}

void IdeDevice::soft_reset_begin() {
  stop_pio();
  stop_dma();
  m_regs.status = status::kBsy | status::kDsc;
  m_regs.error = 0x01;
}

void IdeDevice::soft_reset_end() {
  set_signature();
  m_regs.select = kSelectObsolete;  // device 0 is selected after a reset
  m_regs.error = 0x01;
  m_regs.status = status_after_reset();
}

void IdeDevice::visit_state(StateVisitor& v) {
  v("regs", m_regs);
  v.field("buffer", m_buf.data(), m_buf.size());
  v("pio_dir", m_pio_dir);
  v("pio_pos", m_pio_pos);
  v("pio_end", m_pio_end);
  v("dma_dir", m_dma_dir);
  v("dma_left", m_dma_left);
}

}  // namespace dynemu::hw::storage
