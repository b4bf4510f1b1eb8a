#pragma once
// A primary IDE channel on an I/O bus, driven through ports only, and temp
// image files: the harness of the IDE device tests.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hw/block/raw_image.h"
#include "hw/core/io_bus.h"
#include "hw/core/irq.h"
#include "hw/storage/ide_channel.h"

namespace dynemu::hw::storage::test {

// A file in /tmp removed when the test ends. `bytes` of content; the file
// may be extended sparsely to `size`.
class TempImage {
 public:
  explicit TempImage(const std::vector<uint8_t>& bytes, uint64_t size = 0) {
    char templ[] = "/tmp/dynemu-ide-test-XXXXXX";
    int fd = mkstemp(templ);
    EXPECT_GE(fd, 0);
    m_path = templ;
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    if (size > bytes.size()) {
      EXPECT_EQ(ftruncate(fd, static_cast<off_t>(size)), 0);
    }
    ::close(fd);
  }
  ~TempImage() { unlink(m_path.c_str()); }
  const std::string& path() const { return m_path; }
  std::unique_ptr<block::BlockDevice> open(block::Access access = block::Access::ReadWrite) {
    auto r = block::RawImage::open(m_path, access);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return std::move(r).value();
  }
  std::vector<uint8_t> read(uint64_t offset, size_t len) const {
    std::vector<uint8_t> v(len);
    FILE* f = fopen(m_path.c_str(), "rb");
    fseeko(f, static_cast<off_t>(offset), SEEK_SET);
    EXPECT_EQ(fread(v.data(), 1, len, f), len);
    fclose(f);
    return v;
  }

 private:
  std::string m_path;
};

// An image whose 512-byte sector `bad` cannot be read or written (a dying disk, an NFS hiccup).
class FailingImage final : public block::BlockDevice {
 public:
  FailingImage(uint64_t sectors, uint64_t bad) : m_bytes(sectors * 512), m_bad(bad) {}
  const std::string& name() const override { return m_name; }
  uint64_t size() const override { return m_bytes.size(); }
  bool read_only() const override { return false; }
  Result<void> read(uint64_t offset, std::span<uint8_t> out) override {
    if (hits(offset, out.size())) return Error{"bad.img: read failed: Input/output error"};
    std::copy_n(m_bytes.begin() + offset, out.size(), out.begin());
    return Ok{};
  }
  Result<void> write(uint64_t offset, std::span<const uint8_t> in) override {
    if (hits(offset, in.size())) return Error{"bad.img: write failed: Input/output error"};
    std::copy(in.begin(), in.end(), m_bytes.begin() + offset);
    return Ok{};
  }
  Result<void> flush() override { return Error{"bad.img: flush failed"}; }

 private:
  bool hits(uint64_t offset, size_t len) const {
    return offset < (m_bad + 1) * 512 && offset + len > m_bad * 512;
  }
  std::string m_name = "bad.img";
  std::vector<uint8_t> m_bytes;
  uint64_t m_bad;
};

// Distinct bytes per sector so a misplaced sector shows.
inline std::vector<uint8_t> sector_pattern(uint32_t sectors, uint32_t sector_size = 512,
                                           uint8_t seed = 0) {
  std::vector<uint8_t> v(size_t{sectors} * sector_size);
  for (size_t i = 0; i < v.size(); ++i) {
    size_t s = i / sector_size;
    v[i] = static_cast<uint8_t>(s * 31 + (i % sector_size) * 7 + (s >> 8) + seed);
  }
  return v;
}

struct IdeRig {
  IoBus io;
  IdeChannel ch{"ide0", IdeChannel::kPrimary};
  int edges = 0;  // INTRQ rising edges

  IdeRig() {
    ch.irq() = IrqLine([this](bool level) {
      if (level) ++edges;
    });
    ch.map_ports(io);
  }
  bool irq() { return ch.irq().level(); }

  uint8_t in8(unsigned reg) { return static_cast<uint8_t>(io.read(0x1F0 + reg, 1)); }
  void out8(unsigned reg, uint8_t v) { io.write(0x1F0 + reg, 1, v); }
  uint8_t status() { return in8(7); }
  uint8_t alt_status() { return static_cast<uint8_t>(io.read(0x3F6, 1)); }
  void control(uint8_t v) { io.write(0x3F6, 1, v); }
  void command(uint8_t c) { out8(7, c); }
  void select(unsigned unit, uint8_t extra = 0x40) {
    out8(6, static_cast<uint8_t>(0xA0 | (unit ? 0x10 : 0) | extra));
  }

  void lba28(uint32_t lba, uint8_t count, unsigned unit = 0) {
    select(unit, static_cast<uint8_t>(0x40 | ((lba >> 24) & 0x0F)));
    out8(2, count);
    out8(3, static_cast<uint8_t>(lba));
    out8(4, static_cast<uint8_t>(lba >> 8));
    out8(5, static_cast<uint8_t>(lba >> 16));
  }
  void chs(unsigned cyl, unsigned head, unsigned sector, uint8_t count, unsigned unit = 0) {
    select(unit, static_cast<uint8_t>(head & 0x0F));  // LBA bit clear
    out8(2, count);
    out8(3, static_cast<uint8_t>(sector));
    out8(4, static_cast<uint8_t>(cyl));
    out8(5, static_cast<uint8_t>(cyl >> 8));
  }
  void lba48(uint64_t lba, uint16_t count, unsigned unit = 0) {
    select(unit, 0x40);
    out8(2, static_cast<uint8_t>(count >> 8));
    out8(3, static_cast<uint8_t>(lba >> 24));
    out8(4, static_cast<uint8_t>(lba >> 32));
    out8(5, static_cast<uint8_t>(lba >> 40));
    out8(2, static_cast<uint8_t>(count));
    out8(3, static_cast<uint8_t>(lba));
    out8(4, static_cast<uint8_t>(lba >> 8));
    out8(5, static_cast<uint8_t>(lba >> 16));
  }

  // Reads `bytes` through the data port, 16 bits at a time (or 32).
  std::vector<uint8_t> read_data(size_t bytes, unsigned width = 2) {
    std::vector<uint8_t> v;
    for (size_t i = 0; i < bytes; i += width) {
      uint32_t x = io.read(0x1F0, width);
      for (unsigned k = 0; k < width && i + k < bytes; ++k)
        v.push_back(static_cast<uint8_t>(x >> (8 * k)));
    }
    return v;
  }
  void write_data(const uint8_t* p, size_t bytes, unsigned width = 2) {
    for (size_t i = 0; i < bytes; i += width) {
      uint32_t x = 0;
      for (unsigned k = 0; k < width && i + k < bytes; ++k) x |= uint32_t{p[i + k]} << (8 * k);
      io.write(0x1F0, width, x);
    }
  }
};

}  // namespace dynemu::hw::storage::test
