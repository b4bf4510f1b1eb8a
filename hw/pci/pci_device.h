#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"
#include "hw/pci/pci_regs.h"

namespace dynemu::mmu {
class MmioHandler;
}

namespace dynemu::pci {

class PciBus;

// What identifies a function on the bus. The subsystem defaults to QEMU's
// (1af4:1100): SeaBIOS reads it from 00:00.0 to decide that it runs on QEMU
// and only then uses fw_cfg, so every device carries it as QEMU's do.
struct PciId {
  uint16_t vendor = 0;
  uint16_t device = 0;
  uint8_t revision = 0;
  uint32_t class_code = 0;  // class << 16 | subclass << 8 | prog-if
  uint8_t header_type = 0;  // 0, or kHeaderMultiFunction on function 0 of a multi-function device
  uint16_t subsystem_vendor = 0x1af4;
  uint16_t subsystem = 0x1100;
};

enum class Prefetch : uint8_t { No, Yes };

// One PCI function: the 256-byte configuration space with its writable and
// write-one-to-clear masks, BARs (I/O and 32-bit memory), the expansion ROM
// BAR and INTx. Size probing needs no code: a BAR's writable mask is its
// address bits, so writing all ones reads back ~(size-1) plus its type bits.
//
// Regions are declared in the constructor (wiring); the bus maps them into
// the I/O and memory spaces whenever the command register or a BAR changes.
// I/O BAR handlers see ports relative to the BAR's base (0..size-1).
// Derived devices add registers by widening m_wmask past 0x40 (QEMU's
// default, kept here: device-specific bytes are writable unless narrowed)
// and react to writes in config_written().
class PciDevice : public hw::Device {
 public:
  explicit PciDevice(const PciId& id);
  ~PciDevice() override;
  PciDevice(const PciDevice&) = delete;
  PciDevice& operator=(const PciDevice&) = delete;

  // Configuration space as the host bridge reaches it. Any offset and size
  // (1, 2, 4) within the 256 bytes; little-endian.
  virtual uint32_t config_read(uint8_t offset, unsigned size);
  virtual void config_write(uint8_t offset, unsigned size, uint32_t value);

  // Power-on state: the header rebuilt from the id and regions (command 0,
  // BARs 0, INTx low), bytes 0x40.. zero. Derived devices call it first from
  // their own reset() and then set their registers' power-on values.
  void reset() override;
  void visit_state(hw::StateVisitor& v) override;

  // --- wiring, before the device is attached to a bus ---
  // size: a power of two, at least 4 (I/O) or 16 (memory).
  void set_io_bar(int index, uint32_t size, hw::PortHandler* handler);
  void set_mmio_bar(int index, uint32_t size, mmu::MmioHandler* handler, Prefetch prefetch);
  // Memory the CPU reaches directly (a linear framebuffer).
  void set_ram_bar(int index, uint32_t size, uint8_t* host, Prefetch prefetch);
  // The expansion ROM (an option ROM image); the BAR size is the image size
  // rounded up to a power of two, at least 2 KiB.
  void set_rom(std::vector<uint8_t> image);
  // INTA#..INTD# = 1..4; 0: no interrupt.
  void set_interrupt_pin(uint8_t pin);

  // INTx# as the device drives it (level). Reported to the bus unless the
  // command register's interrupt-disable bit masks it; status bit 3 shows it.
  void set_irq(bool level);
  bool irq_level() const { return m_irq_level; }
  // What the bus sees: the level unless masked by the command register.
  bool irq_asserted() const;

  uint8_t devfn() const { return m_devfn; }
  PciBus* bus() const { return m_bus; }
  uint8_t config_byte(uint8_t offset) const { return m_config[offset]; }
  uint16_t config_word(uint8_t offset) const;
  uint32_t config_dword(uint8_t offset) const;
  uint16_t command() const { return config_word(kCommand); }

  // Region slot 0..5 = BARs, kRomSlot = expansion ROM.
  struct Region {
    enum class Kind : uint8_t { None, Io, Mmio, Ram, Rom } kind = Kind::None;
    uint32_t size = 0;
    Prefetch prefetch = Prefetch::No;
    hw::PortHandler* io = nullptr;
    mmu::MmioHandler* mmio = nullptr;
    uint8_t* ram = nullptr;
    // Where the bus mapped the region; kUnmapped when not decoded. Derived
    // from the config space (not state): the bus recomputes it.
    uint32_t mapped = kUnmapped;
    std::unique_ptr<hw::PortHandler> relative = nullptr;  // I/O: turns ports into BAR offsets
  };
  static constexpr uint32_t kUnmapped = 0xffffffffu;
  const Region& region(int slot) const { return m_regions[slot]; }
  const std::vector<uint8_t>& rom_image() const { return m_rom; }
  // The address a region decodes now (from the BAR and the command register),
  // or kUnmapped.
  uint32_t decoded_address(int slot) const;

 protected:
  // Called after every config write, with the bytes already updated.
  virtual void config_written(uint8_t offset, unsigned size) {}

  void set_config_word(uint8_t offset, uint16_t value);
  void set_config_dword(uint8_t offset, uint32_t value);

  std::array<uint8_t, 256> m_config{};
  std::array<uint8_t, 256> m_wmask{};
  std::array<uint8_t, 256> m_w1cmask{};

 private:
  friend class PciBus;
  void write_header_defaults();
  void define_bar(int index, Region r);

  PciId m_id;
  std::array<Region, kBarCount + 1> m_regions;
  std::vector<uint8_t> m_rom;
  uint8_t m_pin = 0;  // wiring: INTx# pin, kept across resets
  bool m_irq_level = false;
  PciBus* m_bus = nullptr;
  uint8_t m_devfn = 0;
};

}  // namespace dynemu::pci
