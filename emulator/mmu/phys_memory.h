#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace dynemu::mmu {

// A device's memory-mapped registers (VGA window, ...). Offsets are from the
// start of the mapped region.
class MmioHandler {
 public:
  virtual ~MmioHandler() = default;
  virtual uint64_t mmio_read(uint32_t offset, unsigned size) = 0;  // size 1, 2, 4, 8
  virtual void mmio_write(uint32_t offset, unsigned size, uint64_t value) = 0;
};

// What one 4 KiB physical page is, for reads and for writes separately
// (ROM: read host, writes dropped; PAM shadow may read ROM and write RAM).
// A null host pointer with a handler goes to MMIO; with none, reads give
// all ones and writes are dropped.
struct PhysPage {
  uint8_t* read = nullptr;   // host address of the page's first byte, for reads
  uint8_t* write = nullptr;  // for writes
  MmioHandler* mmio = nullptr;
  uint32_t mmio_offset = 0;  // offset of the page's first byte within the handler's region
};

// The physical address space of one machine: RAM, ROM, device RAM and MMIO
// at page granularity (maps are rounded out to 4 KiB), the A20 gate and the
// i440FX PAM shadow of 0xC0000..0xFFFFF. Later maps override earlier ones;
// unmap uncovers what was below (RAM under its size, else nothing).
// Every change of what an address means bumps generation(): CPUs compare it
// before each block and flush their TLBs and code.
class PhysMemory {
 public:
  explicit PhysMemory(uint32_t ram_bytes);
  ~PhysMemory();
  PhysMemory(const PhysMemory&) = delete;
  PhysMemory& operator=(const PhysMemory&) = delete;

  uint8_t* ram() { return m_ram.data; }
  uint32_t ram_size() const { return m_ram_size; }

  // Read-only memory at [base, base+size): writes are ignored. The bytes are copied.
  void map_rom(uint32_t base, std::span<const uint8_t> bytes);
  // Device memory the CPU reaches directly (VGA linear framebuffer): host pointer, writable.
  void map_device_ram(uint32_t base, uint32_t size, uint8_t* host);
  void map_mmio(uint32_t base, uint32_t size, MmioHandler* h);
  void unmap(uint32_t base, uint32_t size);
  // i440FX PAM shadowing of 0xC0000..0xFFFFF in 16 KiB steps: reads come from RAM
  // (read_ram) or from what is mapped there otherwise (ROM/PCI); writes go to RAM or
  // to what is mapped there (ROM: dropped).
  void set_shadow(uint32_t base, uint32_t size, bool read_ram, bool write_ram);
  void set_a20(bool enabled);
  bool a20() const { return m_a20_mask == 0xffffffffu; }
  uint32_t a20_mask() const { return m_a20_mask; }

  // Device DMA and loaders: physical reads/writes that honor the map (MMIO included).
  void read(uint32_t phys, void* out, uint32_t len);
  void write(uint32_t phys, const void* in, uint32_t len);

  // The page holding `phys` (A20 already applied by the caller).
  const PhysPage& page(uint32_t phys) const;
  // Bumped by every map, unmap, shadow or A20 change.
  uint64_t generation() const { return m_generation; }

  // Self-modifying code: called for write() into RAM (DMA, loaders) so the
  // CPU can drop code translated from it. Set by the system-mode Cpu.
  std::function<void(uint32_t phys, uint32_t len)> on_write;

 private:
  struct Region;
  void rebuild(uint32_t base, uint32_t size);
  void add_region(std::unique_ptr<Region> r);
  PhysPage& slot(uint32_t page_index);

  static constexpr unsigned kChunkPages = 1024;  // 4 MiB of address space per chunk
  // Guest RAM: zero pages until touched, on huge pages (map_huge): the
  // guest's kernel data, page tables and stacks then cost the host far
  // fewer TLB misses (an idle guest's timer tick touches them cold).
  struct HostRam {
    uint8_t* data = nullptr;
    size_t bytes = 0;
    explicit HostRam(uint32_t size);
    ~HostRam();
    HostRam(const HostRam&) = delete;
    HostRam& operator=(const HostRam&) = delete;
  } m_ram;
  uint32_t m_ram_size = 0;
  std::vector<std::unique_ptr<PhysPage[]>> m_chunks;  // 1024 chunks, null: nothing mapped
  std::vector<std::unique_ptr<Region>> m_regions;     // in map order
  // PAM: per 16 KiB step of 0xC0000..0xFFFFF, bit 0 read RAM, bit 1 write RAM.
  uint8_t m_shadow[16] = {};
  uint32_t m_a20_mask = 0xffffffffu;
  uint64_t m_generation = 1;
  PhysPage m_empty;
};

}  // namespace dynemu::mmu
