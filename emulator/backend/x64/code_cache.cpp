#include "emulator/backend/x64/code_cache.h"

#include <sys/mman.h>

#include <cstring>

namespace dynemu::backend::x64 {

namespace {

constexpr size_t kPage = 4096;

uint8_t* map(size_t size, int prot, int flags) {
  void* p = mmap(nullptr, size, prot, flags, -1, 0);
  return p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
}

}  // namespace

CodeCache::CodeCache(size_t bytes, Views views) {
  m_size = (bytes + kPage - 1) & ~(kPage - 1);
  if (views == Views::Aliased) {
    // mremap() with old size 0 maps the same shared pages a second time.
    m_write = map(m_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
    if (m_write) {
      void* alias = mremap(m_write, 0, m_size, MREMAP_MAYMOVE);
      if (alias != MAP_FAILED && mprotect(alias, m_size, PROT_READ | PROT_EXEC) == 0) {
        m_exec = static_cast<uint8_t*>(alias);
      } else {
        if (alias != MAP_FAILED) munmap(alias, m_size);
        munmap(m_write, m_size);
        m_write = nullptr;
      }
    }
  }
  if (!m_exec) m_exec = map(m_size, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS);
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

void CodeCache::patch32(uint8_t* at, uint32_t value) {
  const size_t off = static_cast<size_t>(at - m_exec);
  if (m_write) {
    std::memcpy(m_write + off, &value, 4);
    return;
  }
  if (m_patching && off + 4 <= m_writable) {
    std::memcpy(at, &value, 4);
    return;
  }
  uint8_t* first = m_exec + (off & ~(kPage - 1));
  uint8_t* end = m_exec + ((off + 4 + kPage - 1) & ~(kPage - 1));
  const auto span = static_cast<size_t>(end - first);
  if (mprotect(first, span, PROT_READ | PROT_WRITE) != 0) return;
  std::memcpy(at, &value, 4);
  mprotect(first, span, PROT_READ | PROT_EXEC);
}

void CodeCache::begin_patches() {
  if (m_patching++ || m_write || !m_exec) return;
  m_writable = (m_used + kPage - 1) & ~(kPage - 1);
  if (m_writable && mprotect(m_exec, m_writable, PROT_READ | PROT_WRITE) != 0) m_writable = 0;
}

void CodeCache::end_patches() {
  if (--m_patching || m_write || !m_writable) return;
  mprotect(m_exec, m_writable, PROT_READ | PROT_EXEC);
  m_writable = 0;
}

void CodeCache::flush() {
  m_used = 0;
  ++m_epoch;
}

}  // namespace dynemu::backend::x64
