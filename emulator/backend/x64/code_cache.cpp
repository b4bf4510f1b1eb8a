#include "emulator/backend/x64/code_cache.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace dynemu::backend::x64 {

namespace {

constexpr size_t kPage = 4096;

uint8_t* map(size_t size, int prot, int flags, int fd) {
  void* p = mmap(nullptr, size, prot, flags, fd, 0);
  return p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
}

}  // namespace

CodeCache::CodeCache(size_t bytes) {
  m_size = (bytes + kPage - 1) & ~(kPage - 1);
  const int fd = memfd_create("dynemu-jit", MFD_CLOEXEC);
  if (fd >= 0) {
    if (ftruncate(fd, static_cast<off_t>(m_size)) == 0) {
      m_write = map(m_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
      m_exec = m_write ? map(m_size, PROT_READ | PROT_EXEC, MAP_SHARED, fd) : nullptr;
      if (m_write && !m_exec) {
        munmap(m_write, m_size);
        m_write = nullptr;
      }
    }
    close(fd);  // the mappings keep the memory
  }
  if (!m_exec) m_exec = map(m_size, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1);
}

CodeCache::~CodeCache() {
  if (m_exec) munmap(m_exec, m_size);
  if (m_write) munmap(m_write, m_size);
}

const uint8_t* CodeCache::add(const uint8_t* code, size_t len) {
  const size_t start = (m_used + 15) & ~size_t{15};
  if (!m_exec || start + len > m_size) return nullptr;
  if (m_write) {
    std::memcpy(m_write + start, code, len);
  } else {
    uint8_t* first = m_exec + (start & ~(kPage - 1));
    uint8_t* end = m_exec + ((start + len + kPage - 1) & ~(kPage - 1));
    const auto span = static_cast<size_t>(end - first);
    if (mprotect(first, span, PROT_READ | PROT_WRITE) != 0) return nullptr;
    std::memcpy(m_exec + start, code, len);
    mprotect(first, span, PROT_READ | PROT_EXEC);
  }
  m_used = start + len;
  return m_exec + start;
}

void CodeCache::flush() {
  m_used = 0;
  ++m_epoch;
}

}  // namespace dynemu::backend::x64
