// hw/block: raw images and the -snapshot overlay against real temp files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "hw/block/open_image.h"
#include "hw/block/raw_image.h"
#include "hw/block/snapshot_overlay.h"

namespace dynemu::hw::block {
namespace {

// A temp file with given contents, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::vector<uint8_t>& bytes) {
    char templ[] = "/tmp/dynemu-block-test-XXXXXX";
    int fd = mkstemp(templ);
    EXPECT_GE(fd, 0);
    m_path = templ;
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
  }
  ~TempFile() { unlink(m_path.c_str()); }
  const std::string& path() const { return m_path; }
  std::vector<uint8_t> contents() const {
    std::ifstream in(m_path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  std::string m_path;
};

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 + seed + i / 512);
  return v;
}

TEST(RawImage, ReadsAndWritesTheFile) {
  TempFile file(pattern(8 * 512, 1));
  auto img = RawImage::open(file.path(), Access::ReadWrite);
  ASSERT_TRUE(img) << img.error().message;
  auto& dev = *img.value();
  EXPECT_EQ(dev.size(), 8u * 512);
  EXPECT_EQ(dev.sectors(), 8u);
  EXPECT_FALSE(dev.read_only());

  std::vector<uint8_t> buf(2 * 512);
  ASSERT_TRUE(dev.read_sectors(3, 2, buf.data()));
  auto expect = pattern(8 * 512, 1);
  EXPECT_TRUE(std::equal(buf.begin(), buf.end(), expect.begin() + 3 * 512));

  auto data = pattern(512, 99);
  ASSERT_TRUE(dev.write_sectors(7, 1, data.data()));
  ASSERT_TRUE(dev.flush());
  auto now = file.contents();
  EXPECT_TRUE(std::equal(data.begin(), data.end(), now.begin() + 7 * 512));
  EXPECT_TRUE(std::equal(now.begin(), now.begin() + 7 * 512, expect.begin()));
}

TEST(RawImage, RangePastTheEndIsAnError) {
  TempFile file(pattern(4 * 512, 1));
  auto img = RawImage::open(file.path(), Access::ReadWrite);
  ASSERT_TRUE(img);
  std::vector<uint8_t> buf(1024);
  auto r = img.value()->read(3 * 512, buf);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("past the end"), std::string::npos) << r.error().message;
  EXPECT_FALSE(img.value()->write(~uint64_t{0} - 10, buf));
}

TEST(RawImage, ReadOnlyRefusesWrites) {
  TempFile file(pattern(4 * 512, 1));
  auto img = RawImage::open(file.path(), Access::ReadOnly);
  ASSERT_TRUE(img);
  EXPECT_TRUE(img.value()->read_only());
  std::vector<uint8_t> buf(512);
  auto r = img.value()->write(0, buf);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("read-only"), std::string::npos);
  EXPECT_EQ(file.contents(), pattern(4 * 512, 1));
}

TEST(RawImage, OpenErrorsNameTheFileAndTheReason) {
  auto missing = RawImage::open("/nonexistent/disk.img", Access::ReadOnly);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "/nonexistent/disk.img: cannot open image: No such file or directory");

  TempFile odd(pattern(1000, 1));
  auto r = RawImage::open(odd.path(), Access::ReadWrite);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a multiple of 512"), std::string::npos);

  TempFile empty({});
  r = RawImage::open(empty.path(), Access::ReadWrite);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("empty"), std::string::npos);

  r = RawImage::open("/tmp", Access::ReadOnly);
  ASSERT_FALSE(r);

  if (geteuid() != 0) {  // root reads anything
    TempFile locked(pattern(512, 1));
    chmod(locked.path().c_str(), 0);
    r = RawImage::open(locked.path(), Access::ReadOnly);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("Permission denied"), std::string::npos);
  }
}

TEST(SnapshotOverlay, WritesNeverReachTheBaseAndReadsMerge) {
  const auto original = pattern(64 * 512, 5);
  TempFile file(original);
  auto opened = open_image(file.path(), ImageMode::Snapshot);
  ASSERT_TRUE(opened) << opened.error().message;
  BlockDevice& dev = *opened.value();
  EXPECT_FALSE(dev.read_only());
  EXPECT_EQ(dev.size(), original.size());

  // Whole sectors, a partial sector at each end, and one byte.
  auto a = pattern(3 * 512, 50);
  ASSERT_TRUE(dev.write(10 * 512, a));
  auto b = pattern(700, 60);
  ASSERT_TRUE(dev.write(20 * 512 + 100, b));
  uint8_t one = 0xEE;
  ASSERT_TRUE(dev.write(63 * 512 + 511, {&one, 1}));

  std::vector<uint8_t> expect = original;
  std::copy(a.begin(), a.end(), expect.begin() + 10 * 512);
  std::copy(b.begin(), b.end(), expect.begin() + 20 * 512 + 100);
  expect[63 * 512 + 511] = 0xEE;

  // One read spanning base and overlay runs, and unaligned reads.
  std::vector<uint8_t> all(original.size());
  ASSERT_TRUE(dev.read(0, all));
  EXPECT_EQ(all, expect);
  std::vector<uint8_t> part(1500);
  ASSERT_TRUE(dev.read(9 * 512 + 300, part));
  EXPECT_TRUE(std::equal(part.begin(), part.end(), expect.begin() + 9 * 512 + 300));

  // Overwriting overlay sectors again.
  auto c = pattern(512, 70);
  ASSERT_TRUE(dev.write(11 * 512, c));
  std::copy(c.begin(), c.end(), expect.begin() + 11 * 512);
  ASSERT_TRUE(dev.read(0, all));
  EXPECT_EQ(all, expect);
  ASSERT_TRUE(dev.flush());

  EXPECT_EQ(file.contents(), original);
  opened = Error{"closed"};  // dropping the overlay leaves the base as it was
  EXPECT_EQ(file.contents(), original);
}

TEST(SnapshotOverlay, CountsOverlaySectors) {
  TempFile file(pattern(16 * 512, 5));
  auto base = RawImage::open(file.path(), Access::ReadOnly);
  ASSERT_TRUE(base);
  auto ov = SnapshotOverlay::create(std::move(base).value());
  ASSERT_TRUE(ov);
  EXPECT_EQ(ov.value()->overlay_sectors(), 0u);
  std::vector<uint8_t> buf(600, 1);
  ASSERT_TRUE(ov.value()->write(512 * 2 + 10, buf));  // touches sectors 2 and 3
  EXPECT_EQ(ov.value()->overlay_sectors(), 2u);
  EXPECT_FALSE(ov.value()->write(16 * 512 - 10, buf));
}

TEST(OpenImage, ModesMapToAccess) {
  TempFile file(pattern(4 * 512, 5));
  auto rw = open_image(file.path(), ImageMode::ReadWrite);
  ASSERT_TRUE(rw);
  EXPECT_FALSE(rw.value()->read_only());
  auto ro = open_image(file.path(), ImageMode::ReadOnly);
  ASSERT_TRUE(ro);
  EXPECT_TRUE(ro.value()->read_only());
  EXPECT_FALSE(open_image("/nonexistent", ImageMode::Snapshot));
}

}  // namespace
}  // namespace dynemu::hw::block
