#pragma once

#include <memory>
#include <string>

#include "hw/block/block_device.h"

namespace dynemu::hw::block {

enum class Access { ReadOnly, ReadWrite };

// A raw disk or CD image: the file's bytes are the device's bytes.
// I/O is synchronous (pread/pwrite); the page cache does the caching.
class RawImage final : public BlockDevice {
 public:
  // Fails with a one-line message for a missing or unreadable file, a
  // directory, an empty file or a size that is not a whole number of sectors.
  static Result<std::unique_ptr<RawImage>> open(const std::string& path, Access access);
  ~RawImage() override;

  RawImage(const RawImage&) = delete;
  RawImage& operator=(const RawImage&) = delete;

  const std::string& name() const override { return m_path; }
  uint64_t size() const override { return m_size; }
  bool read_only() const override { return m_access == Access::ReadOnly; }
  Result<void> read(uint64_t offset, std::span<uint8_t> out) override;
  Result<void> write(uint64_t offset, std::span<const uint8_t> in) override;
  Result<void> flush() override;

 private:
  RawImage(std::string path, int fd, uint64_t size, Access access)
      : m_path(std::move(path)), m_fd(fd), m_size(size), m_access(access) {}

  std::string m_path;
  int m_fd;
  uint64_t m_size;
  Access m_access;
};

}  // namespace dynemu::hw::block
