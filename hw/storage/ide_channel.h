#pragma once

#include <cstdint>
#include <memory>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"
#include "hw/core/irq.h"
#include "hw/storage/ide_device.h"

namespace dynemu::hw::storage {

// What a channel tells its bus master (PIIX BMDMA) about.
class IdeBusMaster {
 public:
  virtual ~IdeBusMaster() = default;
  // A device on the channel has set up a DMA transfer.
  virtual void dma_ready() = 0;
  // INTRQ went up: the bus master's Interrupt status bit latches it.
  virtual void irq_raised() = 0;
};

// One IDE channel (cable): the command block (8 ports: data, error/features,
// sector count, LBA low/mid/high, device, status/command), the control
// block (alternate status / device control), up to two devices and INTRQ.
// The channel decodes registers and routes them to the devices; the devices
// decide what commands do.
//
// Empty positions behave as QEMU's do, which SeaBIOS and libata probe
// correctly: their registers latch writes like a device's, but status and
// error read 0 and commands to them are ignored; a channel with no device
// at all reads 0 everywhere.
class IdeChannel final : public Device, public PortHandler, private IdeBus {
 public:
  struct Ports {
    uint16_t command;  // 8 ports
    uint16_t control;  // 1 port (the next one belongs to the floppy controller)
  };
  static constexpr Ports kPrimary{0x1F0, 0x3F6};    // IRQ 14
  static constexpr Ports kSecondary{0x170, 0x376};  // IRQ 15

  IdeChannel(const char* name, Ports ports);
  ~IdeChannel() override;

  // --- wiring ---
  // unit 0 = master, 1 = slave. Replaces what was there; resets the device.
  void attach(unsigned unit, std::unique_ptr<IdeDevice> device);
  IdeDevice* device(unsigned unit) const { return m_dev[unit & 1].get(); }
  // INTRQ; the board connects it (IRQ 14 / 15 of the PIC in legacy mode).
  IrqLine& irq() { return m_irq; }
  // Maps the command and control blocks at this channel's ports.
  void map_ports(IoBus& io);
  void set_bus_master(IdeBusMaster* bm) { m_bm = bm; }
  const Ports& ports() const { return m_ports; }

  // The device with a DMA transfer set up (the selected one first), or null.
  IdeDevice* dma_device() const;
  unsigned selected_unit() const { return m_unit; }

  // Device
  const char* name() const override { return m_name; }
  void reset() override;
  void visit_state(StateVisitor& v) override;

  // PortHandler: absolute port numbers.
  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

 private:
  // IdeBus
  void raise_irq() override;
  void dma_ready() override;

  bool empty() const { return !m_dev[0] && !m_dev[1]; }
  TaskFile& regs(unsigned unit) { return m_dev[unit] ? m_dev[unit]->regs() : m_absent[unit]; }
  uint8_t read_register(unsigned reg);
  void write_register(unsigned reg, uint8_t value);
  uint8_t read_alt_status();
  void write_control(uint8_t value);
  void set_intrq(bool level);
  void absent_signature(unsigned unit);

  const char* m_name;
  Ports m_ports;
  std::unique_ptr<IdeDevice> m_dev[2];
  TaskFile m_absent[2];  // the registers of an empty position
  IrqLine m_irq;
  IdeBusMaster* m_bm = nullptr;

  uint8_t m_unit = 0;     // the selected device (DEV bit of the last device register write)
  uint8_t m_control = 0;  // device control register
  bool m_intrq = false;
};

}  // namespace dynemu::hw::storage
