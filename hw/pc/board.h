#pragma once

// The "pc-i386" board: RAM and firmware, the CPU in system mode, and every
// device at its QEMU-standard port, IRQ and PCI slot. It only wires; the
// device logic lives in the other hw/ folders.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "emulator/core/log.h"
#include "emulator/core/result.h"
#include "emulator/exec/cpu.h"
#include "emulator/ir/system_bus.h"
#include "emulator/mmu/phys_memory.h"
#include "hw/char/char_backend.h"
#include "hw/core/io_bus.h"
#include "hw/core/scheduler.h"

namespace dynemu::hw::pc {

struct BoardConfig {
  uint32_t ram_bytes = 128u << 20;
  std::vector<uint8_t> bios;      // SeaBIOS bios.bin (a multiple of 64 KiB, at most 16 MiB)
  std::vector<uint8_t> vga_bios;  // vgabios-stdvga.bin: the VGA's PCI ROM (empty: none)
  // Disk images (empty: none). Disks are opened read-write unless snapshot.
  std::string hda, hdb, cdrom;
  bool snapshot = false;
  std::string boot_order = "cdn";  // c disk, d CD-ROM, n network
  // Direct Linux boot (kernel empty: boot through the BIOS).
  std::vector<uint8_t> kernel, initrd;
  std::string append;
  // Host ends of COM1/COM2 and of the debug console (not owned; they
  // outlive the board). Null: the port exists, its output goes nowhere.
  CharBackend* serial[2] = {};
  // COM1 is the user's console: SeaBIOS mirrors its screen there
  // (fw_cfg etc/sercon-port = 0x3f8).
  bool serial_console = false;
  CharBackend* debugcon = nullptr;
  exec::Engine engine = exec::Engine::Jit;
  LogMask log;
};

class Board final : public ir::SystemBus {
 public:
  static Result<std::unique_ptr<Board>> create(BoardConfig config);
  ~Board() override;
  Board(const Board&) = delete;
  Board& operator=(const Board&) = delete;

  exec::Cpu& cpu() { return *m_cpu; }
  Scheduler& scheduler() { return m_scheduler; }
  mmu::PhysMemory& memory() { return m_memory; }
  IoBus& io() { return m_io; }

  // System reset: every device and the CPU back to power-on state (RAM
  // keeps its contents, as on a PC); with -kernel the kernel is reloaded
  // and entered again.
  Result<void> reset();

  // Requests devices made while the CPU ran (the CPU was asked to stop at
  // the next block boundary): the machine loop acts on them.
  bool reset_requested() const { return m_reset_requested; }
  std::optional<int> exit_requested() const { return m_exit_status; }

  // The INTR pin is asserted (a halted CPU with IF=1 wakes up).
  bool interrupt_pending() const { return m_intr; }

  // Host input for COM1/COM2 (port 0/1): the descriptor to poll while the
  // UART can take bytes (-1: none now: no input, or the receive FIFO is
  // full), and one read from the backend into the UART.
  int serial_input_fd(int port) const;
  size_t pump_serial(int port);

  // ir::SystemBus
  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;
  int interrupt_acknowledge() override;

 private:
  struct Devices;
  explicit Board(BoardConfig config);
  Result<void> build();
  void map_firmware();
  void fill_cmos();
  void fill_fw_cfg();
  Result<void> load_kernel();
  Result<void> attach_disks();
  void update_a20();
  void request_reset();

  BoardConfig m_config;
  Scheduler m_scheduler;
  mmu::PhysMemory m_memory;
  IoBus m_io;
  std::unique_ptr<Devices> m_dev;
  std::unique_ptr<exec::Cpu> m_cpu;
  bool m_intr = false;
  bool m_a20_port92 = false, m_a20_kbd = true;
  bool m_reset_requested = false;
  std::optional<int> m_exit_status;
};

}  // namespace dynemu::hw::pc
