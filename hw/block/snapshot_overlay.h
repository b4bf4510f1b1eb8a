#pragma once

#include <memory>
#include <vector>

#include "hw/block/block_device.h"

namespace dynemu::hw::block {

// -snapshot: the guest writes to a throwaway overlay and the base image is
// never written (it may be opened read-only). Written sectors live in an
// unlinked, sparse temporary file at the same offsets as in the base, and a
// bitmap says which sectors the overlay holds; reads take each sector from
// the overlay if written, else from the base. The overlay vanishes with the
// object (or the process).
class SnapshotOverlay final : public BlockDevice {
 public:
  // The temp file goes to $TMPDIR, else /var/tmp (large, disk-backed), else /tmp.
  static Result<std::unique_ptr<SnapshotOverlay>> create(std::unique_ptr<BlockDevice> base);
  ~SnapshotOverlay() override;

  SnapshotOverlay(const SnapshotOverlay&) = delete;
  SnapshotOverlay& operator=(const SnapshotOverlay&) = delete;

  const std::string& name() const override { return m_base->name(); }
  uint64_t size() const override { return m_base->size(); }
  bool read_only() const override { return false; }
  Result<void> read(uint64_t offset, std::span<uint8_t> out) override;
  Result<void> write(uint64_t offset, std::span<const uint8_t> in) override;
  // Nothing to make durable: the overlay is thrown away.
  Result<void> flush() override { return Ok{}; }

  uint64_t overlay_sectors() const { return m_overlay_sectors; }

 private:
  SnapshotOverlay(std::unique_ptr<BlockDevice> base, int fd);

  bool present(uint64_t sector) const { return m_bitmap[sector / 64] >> (sector % 64) & 1; }
  void mark(uint64_t sector);
  Result<void> overlay_read(uint64_t offset, std::span<uint8_t> out);
  Result<void> overlay_write(uint64_t offset, std::span<const uint8_t> in);
  // Copies a base sector into the overlay so a partial write can land on it.
  Result<void> copy_up(uint64_t sector);

  std::unique_ptr<BlockDevice> m_base;
  int m_fd;
  std::vector<uint64_t> m_bitmap;  // one bit per 512-byte sector
  uint64_t m_overlay_sectors = 0;
};

}  // namespace dynemu::hw::block
