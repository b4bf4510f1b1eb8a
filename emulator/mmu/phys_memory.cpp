#include "emulator/mmu/phys_memory.h"

#include <algorithm>
#include <cstring>

#include "emulator/mmu/huge_pages.h"

namespace dynemu::mmu {

namespace {

constexpr uint32_t kPageBits = 12;
constexpr uint32_t kPageSize = 1u << kPageBits;
constexpr uint32_t kShadowBase = 0xc0000, kShadowEnd = 0x100000, kShadowStep = 0x4000;

// [first, last] pages covered by [base, base + size), rounded out.
struct PageRange {
  uint32_t first, last;
};
PageRange pages_of(uint32_t base, uint32_t size) {
  const uint64_t end = uint64_t{base} + std::max<uint32_t>(size, 1);
  return {base >> kPageBits,
          static_cast<uint32_t>((std::min<uint64_t>(end, 1ull << 32) - 1) >> kPageBits)};
}

// Largest power-of-two access (at most 4) that is aligned and fits in `left`.
unsigned mmio_chunk(uint32_t addr, uint32_t left) {
  if (left >= 4 && (addr & 3) == 0) return 4;
  if (left >= 2 && (addr & 1) == 0) return 2;
  return 1;
}

}  // namespace

struct PhysMemory::Region {
  enum class Kind : uint8_t { Rom, DeviceRam, Mmio } kind;
  uint32_t base = 0;
  uint32_t size = 0;  // bytes, a multiple of the page size
  uint8_t* host = nullptr;
  std::unique_ptr<uint8_t[]> owned;  // ROM contents
  MmioHandler* mmio = nullptr;
  uint32_t mmio_offset = 0;  // offset in the handler of `base` (a trimmed region keeps its offsets)

  uint64_t end() const { return uint64_t{base} + size; }
};

PhysMemory::HostRam::HostRam(uint32_t size)
    : data(static_cast<uint8_t*>(map_huge(size))), bytes(size) {}

PhysMemory::HostRam::~HostRam() {
  unmap_huge(data, bytes);
}

PhysMemory::PhysMemory(uint32_t ram_bytes)
    : m_ram(ram_bytes), m_ram_size(ram_bytes), m_chunks((1u << (32 - kPageBits)) / kChunkPages) {
  if (ram_bytes) rebuild(0, ram_bytes);
}

PhysMemory::~PhysMemory() = default;

PhysPage& PhysMemory::slot(uint32_t page_index) {
  auto& chunk = m_chunks[page_index / kChunkPages];
  if (!chunk) chunk = std::make_unique<PhysPage[]>(kChunkPages);
  return chunk[page_index % kChunkPages];
}

const PhysPage& PhysMemory::page(uint32_t phys) const {
  const uint32_t index = phys >> kPageBits;
  const auto& chunk = m_chunks[index / kChunkPages];
  return chunk ? chunk[index % kChunkPages] : m_empty;
}

void PhysMemory::rebuild(uint32_t base, uint32_t size) {
  const PageRange r = pages_of(base, size);
  const uint32_t ram_pages = m_ram_size >> kPageBits;
  for (uint64_t p = r.first; p <= r.last; ++p) {
    const auto index = static_cast<uint32_t>(p);
    const uint64_t addr = p << kPageBits;
    PhysPage pg;
    uint8_t* ram_here = index < ram_pages ? m_ram.data + addr : nullptr;
    pg.read = pg.write = ram_here;
    const bool in_shadow = addr >= kShadowBase && addr < kShadowEnd;
    // The PAM range decodes to the PCI side (whatever is mapped) unless shadowed.
    if (in_shadow) pg.read = pg.write = nullptr;
    for (const auto& reg : m_regions) {
      if (addr < reg->base || addr >= reg->end()) continue;
      const auto off = static_cast<uint32_t>(addr - reg->base);
      pg = PhysPage{};
      switch (reg->kind) {
        case Region::Kind::Rom: pg.read = reg->host + off; break;
        case Region::Kind::DeviceRam: pg.read = pg.write = reg->host + off; break;
        case Region::Kind::Mmio:
          pg.mmio = reg->mmio;
          pg.mmio_offset = reg->mmio_offset + off;
          break;
      }
    }
    if (in_shadow && ram_here) {
      const uint8_t s = m_shadow[(addr - kShadowBase) / kShadowStep];
      if (s & 1) pg.read = ram_here;
      if (s & 2) pg.write = ram_here;
    }
    if (!pg.read && !pg.write && !pg.mmio && !m_chunks[index / kChunkPages]) continue;
    slot(index) = pg;
  }
  ++m_generation;
}

void PhysMemory::add_region(std::unique_ptr<Region> r) {
  const uint32_t base = r->base, size = r->size;
  m_regions.push_back(std::move(r));
  rebuild(base, size);
}

namespace {
uint32_t round_size(uint32_t base, uint32_t size) {
  const uint64_t end = (uint64_t{base} + size + kPageSize - 1) & ~uint64_t{kPageSize - 1};
  return static_cast<uint32_t>(std::min<uint64_t>(end - base, (1ull << 32) - base));
}
}  // namespace

void PhysMemory::map_rom(uint32_t base, std::span<const uint8_t> bytes) {
  base &= ~(kPageSize - 1);
  auto r = std::make_unique<Region>();
  r->kind = Region::Kind::Rom;
  r->base = base;
  r->size = round_size(base, static_cast<uint32_t>(bytes.size()));
  r->owned.reset(new uint8_t[r->size]());
  std::memcpy(r->owned.get(), bytes.data(), std::min<size_t>(bytes.size(), r->size));
  r->host = r->owned.get();
  add_region(std::move(r));
}

void PhysMemory::map_device_ram(uint32_t base, uint32_t size, uint8_t* host) {
  auto r = std::make_unique<Region>();
  r->kind = Region::Kind::DeviceRam;
  r->base = base & ~(kPageSize - 1);
  r->size = round_size(r->base, size);
  r->host = host;
  add_region(std::move(r));
}

void PhysMemory::map_mmio(uint32_t base, uint32_t size, MmioHandler* h) {
  auto r = std::make_unique<Region>();
  r->kind = Region::Kind::Mmio;
  r->base = base & ~(kPageSize - 1);
  r->size = round_size(r->base, size);
  r->mmio = h;
  add_region(std::move(r));
}

void PhysMemory::unmap(uint32_t base, uint32_t size) {
  base &= ~(kPageSize - 1);
  size = round_size(base, size);
  const uint64_t end = uint64_t{base} + size;
  std::vector<std::unique_ptr<Region>> kept;
  for (auto& r : m_regions) {
    if (r->end() <= base || r->base >= end) {
      kept.push_back(std::move(r));
      continue;
    }
    // Keep the parts outside [base, end): a tail piece shares the ROM bytes
    // through its host pointer, so the owner (the head, or a new tail) keeps them.
    if (r->end() > end) {
      auto tail = std::make_unique<Region>();
      tail->kind = r->kind;
      tail->base = static_cast<uint32_t>(end);
      tail->size = static_cast<uint32_t>(r->end() - end);
      const uint32_t skip = static_cast<uint32_t>(end - r->base);
      if (r->host) tail->host = r->host + skip;
      tail->mmio = r->mmio;
      tail->mmio_offset = r->mmio_offset + skip;
      if (r->owned) {  // ROM: copy the tail's bytes (its own storage)
        tail->owned.reset(new uint8_t[tail->size]);
        std::memcpy(tail->owned.get(), tail->host, tail->size);
        tail->host = tail->owned.get();
      }
      if (r->base < base) {
        r->size = base - r->base;
        kept.push_back(std::move(r));
      }
      kept.push_back(std::move(tail));
    } else if (r->base < base) {
      r->size = base - r->base;
      kept.push_back(std::move(r));
    }
  }
  m_regions = std::move(kept);
  rebuild(base, size);
}

void PhysMemory::set_shadow(uint32_t base, uint32_t size, bool read_ram, bool write_ram) {
  const uint64_t end = std::min<uint64_t>(uint64_t{base} + size, kShadowEnd);
  for (uint64_t a = std::max<uint32_t>(base, kShadowBase) & ~(kShadowStep - 1); a < end;
       a += kShadowStep)
    m_shadow[(a - kShadowBase) / kShadowStep] =
        static_cast<uint8_t>((read_ram ? 1 : 0) | (write_ram ? 2 : 0));
  rebuild(kShadowBase, kShadowEnd - kShadowBase);
}

void PhysMemory::set_a20(bool enabled) {
  const uint32_t mask = enabled ? 0xffffffffu : ~(1u << 20);
  if (mask == m_a20_mask) return;
  m_a20_mask = mask;
  ++m_generation;
}

void PhysMemory::read(uint32_t phys, void* out, uint32_t len) {
  auto* dst = static_cast<uint8_t*>(out);
  while (len) {
    const uint32_t a = phys & m_a20_mask;
    const uint32_t chunk = std::min(len, kPageSize - (a & (kPageSize - 1)));
    const PhysPage& pg = page(a);
    const uint32_t off = a & (kPageSize - 1);
    if (pg.read) {
      std::memcpy(dst, pg.read + off, chunk);
    } else if (pg.mmio) {
      for (uint32_t i = 0; i < chunk;) {
        const unsigned n = mmio_chunk(a + i, chunk - i);
        const uint64_t v = pg.mmio->mmio_read(pg.mmio_offset + off + i, n);
        std::memcpy(dst + i, &v, n);  // little-endian host
        i += n;
      }
    } else {
      std::memset(dst, 0xff, chunk);
    }
    dst += chunk;
    phys += chunk;
    len -= chunk;
  }
}

void PhysMemory::write(uint32_t phys, const void* in, uint32_t len) {
  const auto* src = static_cast<const uint8_t*>(in);
  while (len) {
    const uint32_t a = phys & m_a20_mask;
    const uint32_t chunk = std::min(len, kPageSize - (a & (kPageSize - 1)));
    const PhysPage& pg = page(a);
    const uint32_t off = a & (kPageSize - 1);
    if (pg.write) {
      std::memcpy(pg.write + off, src, chunk);
      if (on_write) on_write(a, chunk);
    } else if (pg.mmio) {
      for (uint32_t i = 0; i < chunk;) {
        const unsigned n = mmio_chunk(a + i, chunk - i);
        uint64_t v = 0;
        std::memcpy(&v, src + i, n);
        pg.mmio->mmio_write(pg.mmio_offset + off + i, n, v);
        i += n;
      }
    }
    src += chunk;
    phys += chunk;
    len -= chunk;
  }
}

}  // namespace dynemu::mmu
