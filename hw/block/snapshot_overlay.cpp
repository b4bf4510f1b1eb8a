#include "hw/block/snapshot_overlay.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace dynemu::hw::block {
namespace {

// An anonymous file in dir: O_TMPFILE where the file system has it, else a
// named temp file unlinked at once.
int anonymous_file(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string templ = dir + "/dynemu-snapshot-XXXXXX";
  fd = mkostemp(templ.data(), O_CLOEXEC);
  if (fd >= 0) unlink(templ.c_str());
  return fd;
}

}  // namespace

Result<std::unique_ptr<SnapshotOverlay>> SnapshotOverlay::create(
    std::unique_ptr<BlockDevice> base) {
  std::vector<std::string> dirs;
  if (const char* t = std::getenv("TMPDIR"); t && *t) dirs.emplace_back(t);
  dirs.emplace_back("/var/tmp");
  dirs.emplace_back("/tmp");
  int err = 0;
  for (const auto& dir : dirs) {
    int fd = anonymous_file(dir);
    if (fd >= 0) return std::unique_ptr<SnapshotOverlay>(new SnapshotOverlay(std::move(base), fd));
    err = errno;
  }
  return Error{base->name() + ": cannot create the -snapshot overlay file in " + dirs.front() +
               ": " + std::strerror(err)};
}

SnapshotOverlay::SnapshotOverlay(std::unique_ptr<BlockDevice> base, int fd)
    : m_base(std::move(base)), m_fd(fd), m_bitmap((m_base->sectors() + 63) / 64) {}

SnapshotOverlay::~SnapshotOverlay() {
  ::close(m_fd);
}

void SnapshotOverlay::mark(uint64_t sector) {
  uint64_t& word = m_bitmap[sector / 64];
  uint64_t bit = uint64_t{1} << (sector % 64);
  if (!(word & bit)) ++m_overlay_sectors;
  word |= bit;
}

Result<void> SnapshotOverlay::overlay_read(uint64_t offset, std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = pread(m_fd, out.data() + done, out.size() - done, offset + done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{name() + ": reading the -snapshot overlay: " + std::strerror(errno)};
    // Only written sectors are read back, so the file always reaches this far.
    if (n == 0) return Error{name() + ": the -snapshot overlay is shorter than expected"};
    done += n;
  }
  return Ok{};
}

Result<void> SnapshotOverlay::overlay_write(uint64_t offset, std::span<const uint8_t> in) {
  size_t done = 0;
  while (done < in.size()) {
    ssize_t n = pwrite(m_fd, in.data() + done, in.size() - done, offset + done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{name() + ": writing the -snapshot overlay: " + std::strerror(errno)};
    done += n;
  }
  return Ok{};
}

Result<void> SnapshotOverlay::copy_up(uint64_t sector) {
  if (present(sector)) return Ok{};
  uint8_t buf[kSectorSize];
  TRY(m_base->read(sector * kSectorSize, buf));
  TRY(overlay_write(sector * kSectorSize, buf));
  mark(sector);
  return Ok{};
}

Result<void> SnapshotOverlay::read(uint64_t offset, std::span<uint8_t> out) {
  TRY(check_range("read", offset, out.size()));
  uint64_t pos = offset;
  uint64_t end = offset + out.size();
  // Runs of sectors that come from the same place are read in one go.
  while (pos < end) {
    uint64_t sector = pos / kSectorSize;
    bool from_overlay = present(sector);
    uint64_t run_end = std::min(end, (sector + 1) * kSectorSize);
    while (run_end < end && present(run_end / kSectorSize) == from_overlay) {
      run_end = std::min(end, run_end + kSectorSize);
    }
    std::span<uint8_t> part = out.subspan(pos - offset, run_end - pos);
    if (from_overlay) {
      TRY(overlay_read(pos, part));
    } else {
      TRY(m_base->read(pos, part));
    }
    pos = run_end;
  }
  return Ok{};
}

Result<void> SnapshotOverlay::write(uint64_t offset, std::span<const uint8_t> in) {
  TRY(check_range("write", offset, in.size()));
  if (in.empty()) return Ok{};
  uint64_t end = offset + in.size();
  uint64_t first = offset / kSectorSize;
  uint64_t last = (end - 1) / kSectorSize;
  // Sectors only partly covered keep the rest of their bytes from the base.
  if (offset % kSectorSize != 0) TRY(copy_up(first));
  if (end % kSectorSize != 0) TRY(copy_up(last));
  TRY(overlay_write(offset, in));
  for (uint64_t s = first; s <= last; ++s) mark(s);
  return Ok{};
}

}  // namespace dynemu::hw::block
