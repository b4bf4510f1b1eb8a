#include "hw/block/raw_image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dynemu::hw::block {
namespace {

Error os_error(const std::string& path, const char* what) {
  return Error{path + ": " + what + ": " + std::strerror(errno)};
}

}  // namespace

Result<std::unique_ptr<RawImage>> RawImage::open(const std::string& path, Access access) {
  int flags = (access == Access::ReadWrite ? O_RDWR : O_RDONLY) | O_CLOEXEC;
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return os_error(path, "cannot open image");
  auto fail = [&](Error e) -> Result<std::unique_ptr<RawImage>> {
    ::close(fd);
    return e;
  };
  struct stat st;
  if (fstat(fd, &st) != 0) return fail(os_error(path, "cannot stat image"));
  uint64_t size;
  if (S_ISREG(st.st_mode)) {
    size = static_cast<uint64_t>(st.st_size);
  } else if (S_ISBLK(st.st_mode)) {
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0) return fail(os_error(path, "cannot size block device"));
    size = static_cast<uint64_t>(end);
  } else {
    return fail(Error{path + ": not a regular file or block device"});
  }
  if (size == 0) return fail(Error{path + ": image is empty"});
  if (size % kSectorSize != 0) {
    return fail(
        Error{path + ": image size " + std::to_string(size) + " is not a multiple of 512 bytes"});
  }
  // Prove the file is readable now rather than at the guest's first access.
  uint8_t probe[kSectorSize];
  if (pread(fd, probe, sizeof probe, 0) != static_cast<ssize_t>(sizeof probe)) {
    return fail(os_error(path, "cannot read image"));
  }
  return std::unique_ptr<RawImage>(new RawImage(path, fd, size, access));
}

RawImage::~RawImage() {
  ::close(m_fd);
}

Result<void> RawImage::read(uint64_t offset, std::span<uint8_t> out) {
  TRY(check_range("read", offset, out.size()));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = pread(m_fd, out.data() + done, out.size() - done, offset + done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error(m_path, "read failed");
    if (n == 0) return Error{m_path + ": image shrank while in use"};
    done += n;
  }
  return Ok{};
}

Result<void> RawImage::write(uint64_t offset, std::span<const uint8_t> in) {
  if (read_only()) return Error{m_path + ": image is read-only"};
  TRY(check_range("write", offset, in.size()));
  size_t done = 0;
  while (done < in.size()) {
    ssize_t n = pwrite(m_fd, in.data() + done, in.size() - done, offset + done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return os_error(m_path, "write failed");
    done += n;
  }
  return Ok{};
}

Result<void> RawImage::flush() {
  if (read_only()) return Ok{};
  if (fdatasync(m_fd) != 0) return os_error(m_path, "flush failed");
  return Ok{};
}

}  // namespace dynemu::hw::block
