#include "hw/pc/fw_cfg.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "emulator/mmu/phys_memory.h"

namespace dynemu::pc {
namespace {

constexpr char kDmaSignature[8] = {'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G'};

void put_le(std::vector<uint8_t>& out, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_be(uint8_t* out, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(v >> (8 * (bytes - 1 - i)));
}
uint64_t get_be(const uint8_t* in, unsigned bytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; ++i) v = v << 8 | in[i];
  return v;
}
uint32_t bswap32(uint32_t v) {
  return __builtin_bswap32(v);
}

}  // namespace

FwCfg::FwCfg(mmu::PhysMemory* memory, Dma dma) : m_memory(memory), m_dma(dma) {
  set_bytes(kSignature, {'Q', 'E', 'M', 'U'});
  set_u32(kId, kFeatureTraditional | (dma == Dma::Enabled ? kFeatureDma : 0));
  set_bytes(kUuid, std::vector<uint8_t>(16, 0));
  set_ram_size(0);
  set_nographic(false);
  set_boot_menu(false);
  set_cpus(1, 1);
  // x86 items of QEMU's pc board: the PIT's IRQ 0 is overridden to GSI 2 in
  // ACPI/MP tables; no extra ACPI tables; an empty legacy e820 table.
  set_u32(kIrq0Override, 1);
  set_u16(kAcpiTables, 0);
  set_u32(kE820Table, 0);
  rebuild_directory();
}

void FwCfg::map_ports(hw::IoBus& io) {
  // Accesses reach the device whole: QEMU ignores a dword write at 0x510
  // rather than splitting it into a selection.
  io.map(kSelectorPort, 2, this);
  if (m_dma == Dma::Enabled) io.map(kDmaPort, 8, this);
}

void FwCfg::set_bytes(uint16_t key, std::vector<uint8_t> bytes) {
  m_items[storage_key(key)] = std::move(bytes);
}

void FwCfg::set_u16(uint16_t key, uint16_t value) {
  std::vector<uint8_t> b;
  put_le(b, value, 2);
  set_bytes(key, std::move(b));
}

void FwCfg::set_u32(uint16_t key, uint32_t value) {
  std::vector<uint8_t> b;
  put_le(b, value, 4);
  set_bytes(key, std::move(b));
}

void FwCfg::set_u64(uint16_t key, uint64_t value) {
  std::vector<uint8_t> b;
  put_le(b, value, 8);
  set_bytes(key, std::move(b));
}

void FwCfg::set_string(uint16_t key, std::string_view s) {
  std::vector<uint8_t> b(s.begin(), s.end());
  b.push_back(0);
  set_bytes(key, std::move(b));
}

void FwCfg::set_cpus(uint16_t boot_cpus, uint16_t max_cpus) {
  set_u16(kNbCpus, boot_cpus);
  set_u16(kMaxCpus, max_cpus);
  // NUMA: u64 node count, a node per CPU, memory per node; all zero
  // without NUMA, but sized as QEMU sizes it (SeaBIOS reads max_cpus
  // entries of it).
  set_bytes(kNuma, std::vector<uint8_t>(8 * (1 + size_t{max_cpus}), 0));
}

void FwCfg::set_kernel(uint32_t load_addr, std::vector<uint8_t> code) {
  set_u32(kKernelAddr, load_addr);
  set_u32(kKernelSize, static_cast<uint32_t>(code.size()));
  set_bytes(kKernelData, std::move(code));
}

void FwCfg::set_setup(uint32_t load_addr, std::vector<uint8_t> code) {
  set_u32(kSetupAddr, load_addr);
  set_u32(kSetupSize, static_cast<uint32_t>(code.size()));
  set_bytes(kSetupData, std::move(code));
}

void FwCfg::set_initrd(uint32_t load_addr, std::vector<uint8_t> initrd) {
  set_u32(kInitrdAddr, load_addr);
  set_u32(kInitrdSize, static_cast<uint32_t>(initrd.size()));
  set_bytes(kInitrdData, std::move(initrd));
}

void FwCfg::set_cmdline(uint32_t load_addr, std::string_view cmdline) {
  set_u32(kCmdlineAddr, load_addr);
  set_u32(kCmdlineSize, static_cast<uint32_t>(cmdline.size() + 1));
  set_string(kCmdlineData, cmdline);
}

uint16_t FwCfg::add_file(std::string_view name, std::vector<uint8_t> bytes) {
  auto it = m_files.find(name);
  uint16_t key;
  if (it != m_files.end()) {
    key = it->second;
  } else {
    key = static_cast<uint16_t>(kFileFirst + m_files.size());
    m_files.emplace(std::string(name.substr(0, kFileNameSize - 1)), key);
  }
  set_bytes(key, std::move(bytes));
  rebuild_directory();
  return key;
}

uint16_t FwCfg::add_file_int(std::string_view name, uint64_t value, unsigned bytes) {
  std::vector<uint8_t> b;
  put_le(b, value, bytes);
  return add_file(name, std::move(b));
}

std::vector<uint8_t> FwCfg::encode_e820(std::span<const E820Entry> entries) {
  std::vector<uint8_t> out;
  for (const E820Entry& e : entries) {
    put_le(out, e.address, 8);
    put_le(out, e.length, 8);
    put_le(out, e.type, 4);
  }
  return out;
}

void FwCfg::rebuild_directory() {
  // std::map keeps the names sorted, as QEMU lists them.
  std::vector<uint8_t> dir(4 + 64 * m_files.size(), 0);
  put_be(dir.data(), m_files.size(), 4);
  size_t at = 4;
  for (const auto& [name, key] : m_files) {
    put_be(&dir[at], m_items[key].size(), 4);
    put_be(&dir[at + 4], key, 2);
    std::memcpy(&dir[at + 8], name.data(), std::min(name.size(), kFileNameSize - 1));
    at += 64;
  }
  m_items[kFileDir] = std::move(dir);
}

const std::vector<uint8_t>* FwCfg::item(uint16_t key) const {
  auto it = m_items.find(storage_key(key));
  return it == m_items.end() ? nullptr : &it->second;
}

const std::vector<uint8_t>* FwCfg::file(std::string_view name) const {
  auto it = m_files.find(name);
  return it == m_files.end() ? nullptr : item(it->second);
}

void FwCfg::reset() {
  select(kSignature);
  m_dma_address = 0;
}

void FwCfg::visit_state(hw::StateVisitor& v) {
  v("selector", m_selector);
  v("offset", m_offset);
  v("dma_address", m_dma_address);
}

void FwCfg::select(uint16_t key) {
  m_selector = key;
  m_offset = 0;
}

const std::vector<uint8_t>* FwCfg::current() const {
  return item(m_selector);
}

uint8_t FwCfg::read_data_byte() {
  const std::vector<uint8_t>* it = current();
  if (!it || m_offset >= it->size()) return 0;
  return (*it)[m_offset++];
}

uint32_t FwCfg::io_read(uint16_t port, unsigned size) {
  if (port >= kDmaPort) {
    // The DMA address register reads as "QEMU CFG" in memory order.
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) {
      const unsigned at = port - kDmaPort + i;
      v |= static_cast<uint32_t>(at < 8 ? static_cast<uint8_t>(kDmaSignature[at]) : 0xff)
           << (8 * i);
    }
    return v;
  }
  // Selector and data share one byte-wide read path (QEMU's combined ports);
  // wider reads return 0 and consume nothing (checked against QEMU).
  if (size != 1) return 0;
  return read_data_byte();
}

void FwCfg::io_write(uint16_t port, unsigned size, uint32_t value) {
  if (port >= kDmaPort) {
    // The register is big-endian: the guest stores the address's bytes
    // most significant first, so a dword it writes reads byte-swapped here.
    if (size != 4) return;
    if (port == kDmaPort) {
      m_dma_address = uint64_t{bswap32(value)} << 32;
    } else if (port == kDmaPort + 4) {
      const uint64_t address = m_dma_address | bswap32(value);
      m_dma_address = 0;
      dma_transfer(address);
    }
    return;
  }
  if (size == 2) select(static_cast<uint16_t>(value));
  // Byte writes would be data writes: QEMU has ignored them since 2.4.
}

void FwCfg::dma_transfer(uint64_t address) {
  if (!m_memory || address > 0xffffffffu - 16) return;
  const auto base = static_cast<uint32_t>(address);
  uint8_t raw[16];
  m_memory->read(base, raw, sizeof raw);
  uint32_t control = static_cast<uint32_t>(get_be(raw, 4));
  uint32_t length = static_cast<uint32_t>(get_be(raw + 4, 4));
  uint64_t target = get_be(raw + 8, 8);

  if (control & kDmaSelect) select(static_cast<uint16_t>(control >> 16));
  enum class Op { Read, Write, Skip } op;
  if (control & kDmaRead) {
    op = Op::Read;
  } else if (control & kDmaWrite) {
    op = Op::Write;
  } else if (control & kDmaSkip) {
    op = Op::Skip;
  } else {
    op = Op::Skip;
    length = 0;
  }

  uint32_t result = 0;
  const std::vector<uint8_t>* it = current();
  while (length > 0 && !(result & kDmaError)) {
    const uint32_t left = it && m_offset < it->size() ? it->size() - m_offset : 0;
    if (target > 0xffffffffu) {
      result |= kDmaError;
      break;
    }
    const auto guest = static_cast<uint32_t>(target);
    uint32_t chunk;
    if (left == 0) {
      // Past the end (or no item): reads fill with zeros, writes fail.
      chunk = length;
      if (op == Op::Read) {
        static constexpr uint8_t kZeros[4096] = {};
        for (uint32_t done = 0; done < chunk;) {
          const uint32_t n = std::min<uint32_t>(chunk - done, sizeof kZeros);
          m_memory->write(guest + done, kZeros, n);
          done += n;
        }
      }
      if (op == Op::Write) result |= kDmaError;
    } else {
      chunk = std::min(length, left);
      if (op == Op::Read) m_memory->write(guest, it->data() + m_offset, chunk);
      // No item is writable: a write fails without touching anything.
      if (op == Op::Write)
        result |= kDmaError;
      else
        m_offset += chunk;
    }
    target += chunk;
    length -= chunk;
  }
  uint8_t done[4];
  put_be(done, result, 4);
  m_memory->write(base, done, 4);
}

}  // namespace dynemu::pc
