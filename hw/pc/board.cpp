#include "hw/pc/board.h"

#include <algorithm>

#include "hw/intc/i8259.h"
#include "hw/misc/debug_exit.h"
#include "hw/misc/debugcon.h"
#include "hw/misc/post_port.h"
#include "hw/pc/fw_cfg.h"
#include "hw/pc/linux_boot.h"
#include "hw/pc/port92.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_host.h"
#include "hw/pci/piix3.h"
#include "hw/timer/i8254.h"
#include "hw/timer/system_control_b.h"

namespace dynemu::hw::pc {

namespace {

// PCI slots as on QEMU's pc machine (devfn = device << 3 | function).
constexpr uint8_t kDevfnHostBridge = 0x00;  // 00:00.0 i440FX
constexpr uint8_t kDevfnIsaBridge = 0x08;   // 00:01.0 PIIX3
// ISA IRQs.
constexpr int kIrqPit = 0;

void put_le(std::vector<uint8_t>& b, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) b.push_back(uint8_t(v >> (8 * i)));
}

}  // namespace

// Every device of the board, in construction (= wiring) order.
struct Board::Devices {
  I8259 pic;
  std::unique_ptr<I8254> pit;
  std::unique_ptr<SystemControlB> port61;
  std::unique_ptr<pci::PciBus> pci_bus;
  std::unique_ptr<pci::PciHost> pci_host;
  std::unique_ptr<pci::I440fx> i440fx;
  pci::Piix3 piix3;
  std::unique_ptr<dynemu::pc::FwCfg> fw_cfg;
  misc::DebugCon debugcon;
  misc::PostPort post;
  misc::DebugExit debug_exit;
  std::unique_ptr<Port92> port92;

  // Everything with a power-on state, for reset().
  std::vector<Device*> all;
};

Result<std::unique_ptr<Board>> Board::create(BoardConfig config) {
  if (config.bios.empty() || config.bios.size() % 65536 || config.bios.size() > (16u << 20))
    return Error{"-bios: the BIOS image must be a multiple of 64 KiB, at most 16 MiB (got " +
                 std::to_string(config.bios.size()) + " bytes)"};
  std::unique_ptr<Board> board(new Board(std::move(config)));
  TRY(board->build());
  return board;
}

Board::Board(BoardConfig config)
    : m_config(std::move(config)),
      m_scheduler(Scheduler::Mode::Host),
      m_memory(m_config.ram_bytes),
      m_dev(std::make_unique<Devices>()) {}

Board::~Board() = default;

Result<void> Board::build() {
  Devices& d = *m_dev;
  map_firmware();

  // Interrupt controllers: the master's INT output is the CPU's INTR pin.
  d.pic.attach(m_io);
  d.pic.intr() = IrqLine([this](bool level) {
    m_intr = level;
    if (m_cpu) m_cpu->set_irq(level);
  });
  d.all.push_back(&d.pic);

  // PIT on IRQ0, port 0x61 (speaker gate, refresh toggle).
  d.pit = std::make_unique<I8254>(m_scheduler);
  d.pit->attach(m_io);
  d.pit->irq0() = d.pic.input(kIrqPit);
  d.port61 = std::make_unique<SystemControlB>(m_scheduler, *d.pit);
  d.port61->attach(m_io);
  d.all.push_back(d.pit.get());
  d.all.push_back(d.port61.get());

  // PCI: host bridge with PAM, ISA bridge routing PIRQs to the PICs.
  d.pci_bus = std::make_unique<pci::PciBus>(&m_io, &m_memory);
  d.pci_host = std::make_unique<pci::PciHost>(*d.pci_bus);
  d.pci_host->map_ports(m_io);
  d.i440fx = std::make_unique<pci::I440fx>(&m_memory);
  d.pci_bus->attach(kDevfnHostBridge, d.i440fx.get());
  d.pci_bus->attach(kDevfnIsaBridge, &d.piix3);
  d.pci_bus->set_irq_router(&d.piix3);
  d.piix3.set_isa_irq_sink([this](int irq, bool level) { m_dev->pic.set_irq(irq, level); });
  d.piix3.set_reset_request([this] { request_reset(); });
  d.piix3.map_ports(m_io);
  d.all.push_back(d.pci_host.get());
  d.all.push_back(d.i440fx.get());
  d.all.push_back(&d.piix3);

  // fw_cfg: what SeaBIOS asks QEMU for.
  d.fw_cfg = std::make_unique<dynemu::pc::FwCfg>(&m_memory);
  d.fw_cfg->map_ports(m_io);
  fill_fw_cfg();
  d.all.push_back(d.fw_cfg.get());

  // Debug ports: SeaBIOS's log on 0x402, POST codes on 0x80, and the
  // isa-debug-exit port tests use to end the emulator with a status.
  d.debugcon.set_sink(m_config.debugcon_out);
  d.debugcon.map_ports(m_io);
  d.post.map_ports(m_io);
  d.debug_exit.set_exit_request([this](int status) {
    m_exit_status = status;
    if (m_cpu) m_cpu->request_exit();
  });
  d.debug_exit.map_ports(m_io);
  d.all.push_back(&d.debugcon);
  d.all.push_back(&d.post);
  d.all.push_back(&d.debug_exit);

  // Port 0x92: fast A20 and CPU reset.
  d.port92 = std::make_unique<Port92>(
      [this](bool on) {
        m_a20_port92 = on;
        update_a20();
      },
      [this] { request_reset(); });
  d.port92->attach(m_io);
  d.all.push_back(d.port92.get());

  exec::CpuConfig cpu_config;
  cpu_config.engine = m_config.engine;
  cpu_config.log = m_config.log;
  cpu_config.phys = &m_memory;
  cpu_config.bus = this;
  m_cpu = TRY(exec::Cpu::create(cpu_config));
  return reset();
}

// The BIOS at the top of 4 GiB (the reset vector), and its last 128 KiB
// also at 0xE0000..0xFFFFF below 1 MiB, where the i440FX's PAM can shadow it.
void Board::map_firmware() {
  const std::vector<uint8_t>& bios = m_config.bios;
  m_memory.map_rom(uint32_t(0x100000000ull - bios.size()), bios);
  const size_t low = std::min<size_t>(bios.size(), 128u << 10);
  m_memory.map_rom(0x100000 - uint32_t(low), std::span(bios).last(low));
}

void Board::fill_fw_cfg() {
  dynemu::pc::FwCfg& f = *m_dev->fw_cfg;
  f.set_ram_size(m_config.ram_bytes);
  f.set_cpus(1, 1);
  f.set_nographic(false);
  f.set_boot_menu(false);
  // etc/e820: the RAM SeaBIOS may use (it reserves its own areas itself).
  std::vector<uint8_t> e820;
  put_le(e820, 0, 8);
  put_le(e820, m_config.ram_bytes, 8);
  put_le(e820, 1, 4);  // E820_RAM
  f.add_file("etc/e820", std::move(e820));
  if (m_config.serial_console) {
    std::vector<uint8_t> port;
    put_le(port, 0x3f8, 2);
    f.add_file("etc/sercon-port", std::move(port));
  }
}

Result<void> Board::load_kernel() {
  const LinuxBootLayout layout =
      TRY(load_linux(m_config.kernel, m_config.initrd, m_config.append, m_config.ram_bytes,
                     [this](uint32_t phys, std::span<const uint8_t> bytes) {
                       m_memory.write(phys, bytes.data(), uint32_t(bytes.size()));
                     }));
  enter_linux(layout, m_cpu->state());
  return Ok{};
}

Result<void> Board::reset() {
  m_reset_requested = false;
  for (Device* dev : m_dev->all) dev->reset();
  m_a20_kbd = true;  // the i8042's output port powers up with A20 enabled
  update_a20();
  m_cpu->reset();
  if (!m_config.kernel.empty()) TRY(load_kernel());
  return Ok{};
}

void Board::update_a20() {
  m_memory.set_a20(m_a20_kbd || m_a20_port92);
}

void Board::request_reset() {
  m_reset_requested = true;
  if (m_cpu) m_cpu->request_exit();
}

size_t Board::serial_input(int port, std::span<const uint8_t> bytes) {
  return 0;
}

uint32_t Board::io_read(uint16_t port, unsigned size) {
  return m_io.read(port, size);
}

void Board::io_write(uint16_t port, unsigned size, uint32_t value) {
  m_io.write(port, size, value);
}

int Board::interrupt_acknowledge() {
  return m_dev->pic.acknowledge();
}

}  // namespace dynemu::hw::pc
