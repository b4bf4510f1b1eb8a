#include "hw/block/block_device.h"

namespace dynemu::hw::block {

Result<void> BlockDevice::read_sectors(uint64_t lba, uint32_t count, uint8_t* out) {
  return read(lba * kSectorSize, {out, uint64_t{count} * kSectorSize});
}

Result<void> BlockDevice::write_sectors(uint64_t lba, uint32_t count, const uint8_t* in) {
  return write(lba * kSectorSize, {in, uint64_t{count} * kSectorSize});
}

Result<void> BlockDevice::check_range(const char* what, uint64_t offset, uint64_t len) const {
  if (offset > size() || len > size() - offset) {
    return Error{name() + ": " + what + " of " + std::to_string(len) + " bytes at offset " +
                 std::to_string(offset) + " is past the end (" + std::to_string(size()) +
                 " bytes)"};
  }
  return Ok{};
}

}  // namespace dynemu::hw::block
