#pragma once

// "-serial file:PATH": guest output written to a file (created or
// truncated, as QEMU does). No input.

#include <memory>
#include <string>

#include "hw/char/char_backend.h"

namespace dynemu::hw {

class FileBackend : public CharBackend {
 public:
  static Result<std::unique_ptr<FileBackend>> open(const std::string& path);
  ~FileBackend() override;
  FileBackend(const FileBackend&) = delete;
  FileBackend& operator=(const FileBackend&) = delete;

  void write(std::span<const uint8_t> bytes) override;

 private:
  explicit FileBackend(int fd) : m_fd(fd) {}
  int m_fd;
};

}  // namespace dynemu::hw
