#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "emulator/core/result.h"

namespace dynemu::hw::block {

// The storage behind a disk or CD drive: a flat array of bytes whose size is
// a whole number of 512-byte sectors. Drives address it by byte range (a CD
// reads 2048-byte sectors, a disk 512-byte ones); the sector helpers are for
// the common case. Single-threaded, like the device that uses it.
class BlockDevice {
 public:
  static constexpr uint32_t kSectorSize = 512;

  virtual ~BlockDevice() = default;

  // What to call this device in error messages (usually the image path).
  virtual const std::string& name() const = 0;
  virtual uint64_t size() const = 0;  // bytes, a multiple of kSectorSize
  virtual bool read_only() const = 0;

  // The whole range must lie inside the device; errors say which range and why.
  virtual Result<void> read(uint64_t offset, std::span<uint8_t> out) = 0;
  // Fails on a read-only device.
  virtual Result<void> write(uint64_t offset, std::span<const uint8_t> in) = 0;
  // Makes written data durable (the guest's FLUSH CACHE).
  virtual Result<void> flush() = 0;

  uint64_t sectors() const { return size() / kSectorSize; }
  Result<void> read_sectors(uint64_t lba, uint32_t count, uint8_t* out);
  Result<void> write_sectors(uint64_t lba, uint32_t count, const uint8_t* in);

 protected:
  // The common range check: an Error naming the device, or nothing.
  Result<void> check_range(const char* what, uint64_t offset, uint64_t len) const;
};

}  // namespace dynemu::hw::block
