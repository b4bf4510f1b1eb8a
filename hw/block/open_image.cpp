#include "hw/block/open_image.h"

#include "hw/block/raw_image.h"
#include "hw/block/snapshot_overlay.h"

namespace dynemu::hw::block {

Result<std::unique_ptr<BlockDevice>> open_image(const std::string& path, ImageMode mode) {
  Access access = mode == ImageMode::ReadWrite ? Access::ReadWrite : Access::ReadOnly;
  std::unique_ptr<BlockDevice> raw = TRY(RawImage::open(path, access));
  if (mode != ImageMode::Snapshot) return raw;
  std::unique_ptr<BlockDevice> overlay = TRY(SnapshotOverlay::create(std::move(raw)));
  return overlay;
}

}  // namespace dynemu::hw::block
