#pragma once

#include <memory>
#include <string>

#include "hw/block/block_device.h"

namespace dynemu::hw::block {

enum class ImageMode {
  ReadWrite,  // -hda: the guest writes the file
  ReadOnly,   // -cdrom: the guest cannot write
  Snapshot,   // -snapshot: guest writes go to a throwaway overlay; the file is opened read-only
};

// Opens a raw image for a drive. Errors are one line naming the file.
Result<std::unique_ptr<BlockDevice>> open_image(const std::string& path, ImageMode mode);

}  // namespace dynemu::hw::block
