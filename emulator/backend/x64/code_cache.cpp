#include "emulator/backend/x64/code_cache.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace dynemu::backend::x64 {

namespace {
constexpr size_t kPage = 4096;
}

CodeCache::CodeCache(size_t bytes) {
  m_size = (bytes + kPage - 1) & ~(kPage - 1);
  void* p = mmap(nullptr, m_size, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p != MAP_FAILED) m_base = static_cast<uint8_t*>(p);
}

CodeCache::~CodeCache() {
  if (m_base) munmap(m_base, m_size);
}

const uint8_t* CodeCache::add(const uint8_t* code, size_t len) {
  const size_t start = (m_used + 15) & ~size_t{15};
  if (!m_base || start + len > m_size) return nullptr;
  uint8_t* first = m_base + (start & ~(kPage - 1));
  uint8_t* end = m_base + ((start + len + kPage - 1) & ~(kPage - 1));
  const auto span = static_cast<size_t>(end - first);
  if (mprotect(first, span, PROT_READ | PROT_WRITE) != 0) return nullptr;
  std::memcpy(m_base + start, code, len);
  mprotect(first, span, PROT_READ | PROT_EXEC);
  m_used = start + len;
  return m_base + start;
}

void CodeCache::flush() {
  m_used = 0;
  ++m_epoch;
}

}  // namespace dynemu::backend::x64
