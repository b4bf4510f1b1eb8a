#include "hw/pc/board.h"

#include <algorithm>
#include <ctime>

#include "hw/block/open_image.h"
#include "hw/char/uart16550.h"
#include "hw/display/std_vga.h"
#include "hw/input/i8042.h"
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
#include "hw/rtc/mc146818.h"
#include "hw/storage/ata_disk.h"
#include "hw/storage/atapi_cdrom.h"
#include "hw/storage/piix_ide.h"
#include "hw/timer/i8254.h"
#include "hw/timer/system_control_b.h"

namespace dynemu::hw::pc {

namespace {

// PCI slots as on QEMU's pc machine (devfn = device << 3 | function).
constexpr uint8_t kDevfnHostBridge = 0x00;  // 00:00.0 i440FX
constexpr uint8_t kDevfnIsaBridge = 0x08;   // 00:01.0 PIIX3
constexpr uint8_t kDevfnIde = 0x09;         // 00:01.1 PIIX3 IDE
constexpr uint8_t kDevfnVga = 0x10;         // 00:02.0 std VGA
// ISA IRQs and ports.
constexpr int kIrqPit = 0;
constexpr int kIrqCom[2] = {4, 3};
constexpr uint16_t kComBase[2] = {0x3f8, 0x2f8};
constexpr int kIrqRtc = 8;
constexpr int kIrqKeyboard = 1, kIrqMouse = 12;
constexpr int kIrqIde[2] = {14, 15};

}  // namespace

// Every device of the board, in construction (= wiring) order.
struct Board::Devices {
  I8259 pic;
  std::unique_ptr<I8254> pit;
  std::unique_ptr<SystemControlB> port61;
  std::unique_ptr<Mc146818> rtc;
  std::unique_ptr<Uart16550> uart[2];
  CharBackend* serial_backend[2] = {};
  NullBackend null_backend;
  std::unique_ptr<pci::PciBus> pci_bus;
  std::unique_ptr<pci::PciHost> pci_host;
  std::unique_ptr<pci::I440fx> i440fx;
  pci::Piix3 piix3;
  std::unique_ptr<display::StdVga> vga;
  std::unique_ptr<storage::PiixIde> ide;
  I8042 i8042;
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

  // RTC/CMOS on IRQ8, its contents as the BIOS expects them.
  d.rtc = std::make_unique<Mc146818>(m_scheduler);
  d.rtc->attach(m_io);
  d.rtc->irq() = d.pic.input(kIrqRtc);
  // The one place the board reads the host's wall clock: the RTC starts
  // at the host's time, then runs on the virtual clock.
  d.rtc->set_time(int64_t(std::time(nullptr)));
  fill_cmos();
  d.all.push_back(d.rtc.get());

  // COM1 (0x3f8, IRQ4) and COM2 (0x2f8, IRQ3).
  for (int i = 0; i < 2; ++i) {
    d.serial_backend[i] = m_config.serial[i] ? m_config.serial[i] : &d.null_backend;
    d.uart[i] = std::make_unique<Uart16550>(m_scheduler, d.serial_backend[i]);
    d.uart[i]->attach(m_io, kComBase[i]);
    d.uart[i]->irq() = d.pic.input(kIrqCom[i]);
    d.all.push_back(d.uart[i].get());
  }

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

  // PIIX3 IDE (legacy ports and IRQ14/15): -hda/-hdb on the primary
  // channel, -cdrom as the secondary master, as QEMU places them.
  d.ide = std::make_unique<storage::PiixIde>(&m_memory);
  d.pci_bus->attach(kDevfnIde, d.ide.get());
  d.ide->map_legacy_ports(m_io);
  for (int ch = 0; ch < 2; ++ch) d.ide->channel(ch).irq() = d.pic.input(kIrqIde[ch]);
  TRY(attach_disks());
  d.all.push_back(d.ide.get());

  // Standard VGA with Bochs VBE; SeaBIOS runs its BIOS from the ROM BAR.
  d.vga = std::make_unique<display::StdVga>(m_config.vga_bios);
  d.pci_bus->attach(kDevfnVga, d.vga.get());
  d.vga->map_legacy(m_io, m_memory);
  d.all.push_back(d.vga.get());

  // fw_cfg: what SeaBIOS asks QEMU for.
  d.fw_cfg = std::make_unique<dynemu::pc::FwCfg>(&m_memory);
  d.fw_cfg->map_ports(m_io);
  fill_fw_cfg();
  d.all.push_back(d.fw_cfg.get());

  // Debug ports: SeaBIOS's log on 0x402, POST codes on 0x80, and the
  // isa-debug-exit port tests use to end the emulator with a status.
  if (CharBackend* out = m_config.debugcon)
    d.debugcon.set_sink([out](uint8_t b) { out->write(std::span(&b, 1)); });
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

  // i8042 with PS/2 keyboard (IRQ1) and mouse (IRQ12); its output port
  // drives A20 and the CPU reset line.
  d.i8042.attach(m_io);
  d.i8042.irq1() = d.pic.input(kIrqKeyboard);
  d.i8042.irq12() = d.pic.input(kIrqMouse);
  d.i8042.a20() = IrqLine([this](bool on) {
    m_a20_kbd = on;
    update_a20();
  });
  d.i8042.set_reset_request([this] { request_reset(); });
  d.all.push_back(&d.i8042);

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

// CMOS as QEMU's pc board fills it (SeaBIOS reads memory sizes and the
// boot order here).
void Board::fill_cmos() {
  Mc146818& rtc = *m_dev->rtc;
  const uint32_t ram = m_config.ram_bytes;
  rtc.set_cmos(cmos::kFloppyTypes, 0);
  rtc.set_cmos(cmos::kEquipment, 0x02 | 0x04);  // FPU, PS/2 mouse
  rtc.set_cmos(cmos::kBaseMemLo, 640 & 0xff);
  rtc.set_cmos(cmos::kBaseMemHi, 640 >> 8);
  const uint32_t ext_kb = std::min<uint32_t>((ram >> 10) - 1024, 0xffff);
  rtc.set_cmos(cmos::kExtMemLo, uint8_t(ext_kb));
  rtc.set_cmos(cmos::kExtMemHi, uint8_t(ext_kb >> 8));
  rtc.set_cmos(cmos::kExtMem2Lo, uint8_t(ext_kb));
  rtc.set_cmos(cmos::kExtMem2Hi, uint8_t(ext_kb >> 8));
  const uint32_t above16 =
      ram > (16u << 20) ? std::min<uint32_t>((ram - (16u << 20)) >> 16, 0xffff) : 0;
  rtc.set_cmos(cmos::kMemAbove16MLo, uint8_t(above16));
  rtc.set_cmos(cmos::kMemAbove16MHi, uint8_t(above16 >> 8));
  rtc.set_cmos(cmos::kMemAbove4GLo, 0);
  rtc.set_cmos(cmos::kMemAbove4GMid, 0);
  rtc.set_cmos(cmos::kMemAbove4GHi, 0);
  rtc.set_cmos(cmos::kCpuCountMinus1, 0);
  // Boot order: 1 floppy, 2 disk, 3 CD-ROM, 4 network; up to three devices.
  uint8_t dev[3] = {};
  for (size_t i = 0; i < 3 && i < m_config.boot_order.size(); ++i) {
    const char c = m_config.boot_order[i];
    dev[i] = c == 'a' ? 1 : c == 'c' ? 2 : c == 'd' ? 3 : c == 'n' ? 4 : 0;
  }
  rtc.set_cmos(cmos::kBootFlags2, uint8_t(dev[1] << 4 | dev[0]));
  rtc.set_cmos(cmos::kBootFlags1, uint8_t(dev[2] << 4));
  rtc.update_checksum();
}

void Board::fill_fw_cfg() {
  dynemu::pc::FwCfg& f = *m_dev->fw_cfg;
  f.set_ram_size(m_config.ram_bytes);
  f.set_cpus(1, 1);
  f.set_nographic(false);
  f.set_boot_menu(false);
  // etc/e820: the RAM SeaBIOS may use (it reserves its own areas itself).
  const dynemu::pc::FwCfg::E820Entry ram[] = {{0, m_config.ram_bytes, 1}};
  f.add_file("etc/e820", dynemu::pc::FwCfg::encode_e820(ram));
  if (m_config.serial_console) f.add_file_int("etc/sercon-port", 0x3f8, 2);
}

Result<void> Board::attach_disks() {
  using block::ImageMode;
  const ImageMode disk_mode = m_config.snapshot ? ImageMode::Snapshot : ImageMode::ReadWrite;
  struct Drive {
    const char* flag;
    const std::string& path;
    unsigned channel, unit;
  };
  const Drive disks[] = {{"-hda", m_config.hda, 0, 0}, {"-hdb", m_config.hdb, 0, 1}};
  for (const Drive& drive : disks) {
    if (drive.path.empty()) continue;
    auto image = block::open_image(drive.path, disk_mode);
    if (!image) return Error{std::string(drive.flag) + " " + image.error().message};
    storage::AtaDiskConfig config;
    config.serial = std::string("DYNEMU-HD") + char('0' + drive.unit);
    m_dev->ide->channel(drive.channel)
        .attach(drive.unit, std::make_unique<storage::AtaDisk>(std::move(image).value(), config));
  }
  // The CD-ROM drive is there even when empty, as on QEMU's pc machine.
  std::unique_ptr<block::BlockDevice> disc;
  if (!m_config.cdrom.empty()) {
    auto image = block::open_image(m_config.cdrom, ImageMode::ReadOnly);
    if (!image) return Error{"-cdrom " + image.error().message};
    disc = std::move(image).value();
  }
  m_dev->ide->channel(1).attach(0, std::make_unique<storage::AtapiCdrom>(std::move(disc)));
  return Ok{};
}

Result<void> Board::load_kernel() {
  const LinuxBootLayout layout =
      TRY(load_linux(m_config.kernel, m_config.initrd, m_config.append, m_config.ram_bytes,
                     [this](uint32_t phys, std::span<const uint8_t> bytes) {
                       m_memory.write(phys, bytes.data(), uint32_t(bytes.size()));
                     }));
  enter_linux(layout, m_cpu->state());
  // No VGA BIOS runs: put the adapter in the text mode the zero page describes.
  m_dev->vga->init_text_mode();
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

int Board::serial_input_fd(int port) const {
  const Devices& d = *m_dev;
  if (d.uart[port]->can_receive() == 0) return -1;
  return d.serial_backend[port]->input_fd();
}

size_t Board::pump_serial(int port) {
  return pump_input(*m_dev->serial_backend[port], *m_dev->uart[port]);
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
