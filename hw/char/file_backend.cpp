#include "hw/char/file_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

namespace dynemu::hw {

Result<std::unique_ptr<FileBackend>> FileBackend::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{"cannot open " + path + ": " + ::strerror(errno)};
  return std::unique_ptr<FileBackend>(new FileBackend(fd));
}

FileBackend::~FileBackend() {
  ::close(m_fd);
}

void FileBackend::write(std::span<const uint8_t> bytes) {
  const uint8_t* p = bytes.data();
  size_t n = bytes.size();
  while (n > 0) {
    const ssize_t w = ::write(m_fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;  // disk full or gone: the guest cannot be told, drop
    p += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace dynemu::hw
