#include "emulator/user/abi_convert.h"

#include <cerrno>

namespace dynemu::user {

abi::Stat64 to_stat64(const struct stat& st) {
  abi::Stat64 g{};
  g.st_dev = st.st_dev;
  g.st_ino_low = uint32_t(st.st_ino);
  g.st_mode = st.st_mode;
  g.st_nlink = uint32_t(st.st_nlink);
  g.st_uid = st.st_uid;
  g.st_gid = st.st_gid;
  g.st_rdev = st.st_rdev;
  g.st_size = st.st_size;
  g.st_blksize = uint32_t(st.st_blksize);
  g.st_blocks = uint64_t(st.st_blocks);
  g.st_atime_sec = uint32_t(st.st_atim.tv_sec);
  g.st_atime_nsec = uint32_t(st.st_atim.tv_nsec);
  g.st_mtime_sec = uint32_t(st.st_mtim.tv_sec);
  g.st_mtime_nsec = uint32_t(st.st_mtim.tv_nsec);
  g.st_ctime_sec = uint32_t(st.st_ctim.tv_sec);
  g.st_ctime_nsec = uint32_t(st.st_ctim.tv_nsec);
  g.st_ino = st.st_ino;
  return g;
}

// The kernel's old-dev encoding for 16-bit dev_t fields (old_encode_dev),
// and new_encode_dev for 32-bit ones.
static uint32_t encode_dev(dev_t d) {
  const uint32_t major = uint32_t(d >> 8) & 0xfff,
                 minor = uint32_t(d & 0xff) | (uint32_t(d >> 12) & 0xfff00);
  return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

int to_old_stat(const struct stat& st, abi::OldStat& g) {
  g = {};
  g.st_dev = encode_dev(st.st_dev);
  g.st_ino = uint32_t(st.st_ino);
  if (g.st_ino != st.st_ino) return -EOVERFLOW;
  g.st_mode = uint16_t(st.st_mode);
  g.st_nlink = uint16_t(st.st_nlink);
  if (g.st_nlink != st.st_nlink) return -EOVERFLOW;
  g.st_uid = uint16_t(st.st_uid > 0xffff ? 65534 : st.st_uid);
  g.st_gid = uint16_t(st.st_gid > 0xffff ? 65534 : st.st_gid);
  g.st_rdev = encode_dev(st.st_rdev);
  if (st.st_size > INT32_MAX) return -EOVERFLOW;
  g.st_size = uint32_t(st.st_size);
  g.st_blksize = uint32_t(st.st_blksize);
  g.st_blocks = uint32_t(st.st_blocks);
  g.st_atime_sec = uint32_t(st.st_atim.tv_sec);
  g.st_atime_nsec = uint32_t(st.st_atim.tv_nsec);
  g.st_mtime_sec = uint32_t(st.st_mtim.tv_sec);
  g.st_mtime_nsec = uint32_t(st.st_mtim.tv_nsec);
  g.st_ctime_sec = uint32_t(st.st_ctim.tv_sec);
  g.st_ctime_nsec = uint32_t(st.st_ctim.tv_nsec);
  return 0;
}

}  // namespace dynemu::user
