#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"

namespace dynemu::mmu {
class PhysMemory;
}

namespace dynemu::pc {

// QEMU's firmware configuration interface as SeaBIOS (and Linux's
// qemu_fw_cfg driver) use it on the PC:
//  - 0x510, 16-bit write: selects an item and rewinds it;
//  - 0x510/0x511, byte read: the next byte of the selected item (0 past its
//    end or for an unknown key); byte writes are ignored (QEMU >= 2.4);
//  - 0x514..0x51B, the DMA address register (big-endian 64-bit: a dword
//    write at 0x514 sets the high half and clears the low one, a dword
//    write at 0x518 ORs in the low half and starts the transfer). Reading it
//    gives "QEMU CFG". The transfer reads a big-endian FWCfgDmaAccess
//    {u32 control; u32 length; u64 address} from guest memory, does it
//    (select, read, skip; writes fail: no item is writable) and stores the
//    control word back: 0 when done, bit 0 on error.
// Item 0 is "QEMU", item 1 the feature bits (1: traditional, 2: DMA).
// Numeric items are little-endian; the file directory (0x19) is
// big-endian: u32 count, then per file {u32 size, u16 select, u16 0,
// char name[56]}, sorted by name; files get selectors from 0x20 up.
class FwCfg : public hw::Device, public hw::PortHandler {
 public:
  enum Key : uint16_t {
    kSignature = 0x00,
    kId = 0x01,
    kUuid = 0x02,
    kRamSize = 0x03,
    kNoGraphic = 0x04,
    kNbCpus = 0x05,
    kMachineId = 0x06,
    kKernelAddr = 0x07,
    kKernelSize = 0x08,
    kKernelCmdline = 0x09,
    kInitrdAddr = 0x0a,
    kInitrdSize = 0x0b,
    kBootDevice = 0x0c,
    kNuma = 0x0d,
    kBootMenu = 0x0e,
    kMaxCpus = 0x0f,
    kKernelEntry = 0x10,
    kKernelData = 0x11,
    kInitrdData = 0x12,
    kCmdlineAddr = 0x13,
    kCmdlineSize = 0x14,
    kCmdlineData = 0x15,
    kSetupAddr = 0x16,
    kSetupSize = 0x17,
    kSetupData = 0x18,
    kFileDir = 0x19,
    kFileFirst = 0x20,
    kWriteChannel = 0x4000,
    kArchLocal = 0x8000,
    // x86 arch-local items.
    kAcpiTables = 0x8000,
    kSmbiosEntries = 0x8001,
    kIrq0Override = 0x8002,
    kE820Table = 0x8003,
    kHpet = 0x8004,
  };

  static constexpr uint16_t kSelectorPort = 0x510;
  static constexpr uint16_t kDataPort = 0x511;
  static constexpr uint16_t kDmaPort = 0x514;
  static constexpr uint32_t kFeatureTraditional = 1u << 0;
  static constexpr uint32_t kFeatureDma = 1u << 1;
  static constexpr uint32_t kDmaError = 1u << 0, kDmaRead = 1u << 1, kDmaSkip = 1u << 2,
                            kDmaSelect = 1u << 3, kDmaWrite = 1u << 4;
  static constexpr size_t kFileNameSize = 56;

  enum class Dma : uint8_t { Disabled, Enabled };

  // memory: where DMA reads and writes (may be null with Dma::Disabled).
  explicit FwCfg(mmu::PhysMemory* memory, Dma dma = Dma::Enabled);

  // Maps 0x510..0x511 and, with DMA, 0x514..0x51B.
  void map_ports(hw::IoBus& io);

  // --- contents (configuration, set by the board before the guest runs) ---
  void set_bytes(uint16_t key, std::vector<uint8_t> bytes);
  void set_u16(uint16_t key, uint16_t value);  // little-endian, as QEMU's fw_cfg_add_i16
  void set_u32(uint16_t key, uint32_t value);
  void set_u64(uint16_t key, uint64_t value);
  void set_string(uint16_t key, std::string_view s);  // with its NUL
  // A named file; returns its selector. Adding a name again replaces it.
  uint16_t add_file(std::string_view name, std::vector<uint8_t> bytes);
  // A file holding a little-endian integer of 1, 2, 4 or 8 bytes, the way
  // SeaBIOS's romfile_loadint reads "etc/boot-fail-wait", "etc/sercon-port"...
  uint16_t add_file_int(std::string_view name, uint64_t value, unsigned bytes);
  const std::vector<uint8_t>* item(uint16_t key) const;
  const std::vector<uint8_t>* file(std::string_view name) const;

  // "etc/e820": packed little-endian {u64 address; u64 length; u32 type}
  // records (type 1 RAM, 2 reserved), as QEMU builds it and SeaBIOS reads it.
  struct E820Entry {
    uint64_t address;
    uint64_t length;
    uint32_t type;
  };
  static std::vector<uint8_t> encode_e820(std::span<const E820Entry> entries);

  // The numeric items QEMU's pc board provides (defaults: 0 RAM, 1 CPU, no
  // menu, graphics on).
  void set_ram_size(uint64_t bytes) { set_u64(kRamSize, bytes); }
  void set_cpus(uint16_t boot_cpus, uint16_t max_cpus);
  void set_nographic(bool nographic) { set_u16(kNoGraphic, nographic); }
  void set_boot_menu(bool enabled) { set_u16(kBootMenu, enabled); }
  // Linux boot items as QEMU's -kernel provides them to its linuxboot ROM.
  void set_kernel(uint32_t load_addr, std::vector<uint8_t> protected_mode_code);
  void set_setup(uint32_t load_addr, std::vector<uint8_t> real_mode_code);
  void set_initrd(uint32_t load_addr, std::vector<uint8_t> initrd);
  void set_cmdline(uint32_t load_addr, std::string_view cmdline);

  const char* name() const override { return "fw_cfg"; }
  void reset() override;
  void visit_state(hw::StateVisitor& v) override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  uint16_t selector() const { return m_selector; }

 private:
  void select(uint16_t key);
  const std::vector<uint8_t>* current() const;
  uint8_t read_data_byte();
  void dma_transfer(uint64_t address);
  void rebuild_directory();
  static uint16_t storage_key(uint16_t key) { return key & ~kWriteChannel; }

  mmu::PhysMemory* m_memory;
  Dma m_dma;
  std::map<uint16_t, std::vector<uint8_t>> m_items;      // by key without the write bit
  std::map<std::string, uint16_t, std::less<>> m_files;  // name -> selector

  // State.
  uint16_t m_selector = 0;
  uint32_t m_offset = 0;
  uint64_t m_dma_address = 0;
};

}  // namespace dynemu::pc
