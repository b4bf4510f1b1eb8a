#include "emulator/backend/x64/jit.h"

#include <cstring>

#include "emulator/backend/x64/emitter.h"
#include "emulator/x86/fpu/fpu_env.h"

namespace dynemu::backend::x64 {

namespace {
thread_local x86::FpuState* t_x87_resident = nullptr;
// Scratch buffer per block; a block whose code exceeds it stays interpreted.
constexpr size_t kMaxBlockBytes = 1u << 20;
}  // namespace

x86::FpuState*& x87_resident_state() {
  return t_x87_resident;
}

void recover_x87_after_fault(const void* host_fxsave) {
  x86::FpuState* f = t_x87_resident;
  if (!f || !host_fxsave) return;
  t_x87_resident = nullptr;
  // The guest's pointers (bytes 12..25 of the image) are the compiled
  // code's, not the host unit's.
  auto* image = reinterpret_cast<uint8_t*>(f);
  uint8_t pointers[14];
  std::memcpy(pointers, image + 12, sizeof pointers);
  x86::fpu::load_fxsave(*f, static_cast<const uint8_t*>(host_fxsave));
  std::memcpy(image + 12, pointers, sizeof pointers);
}

Jit::Jit(size_t cache_bytes, CodeCache::Views views)
    : m_cache(cache_bytes, views), m_emitter(std::make_unique<Emitter>(kMaxBlockBytes)) {}

Jit::~Jit() = default;

BlockFn Jit::compile(const ir::Block& block) {
  return compile_chained(block, nullptr, 0).fn;
}

Jit::Chained Jit::compile_chained(const ir::Block& block, const uint64_t* chain_slots, uint64_t tag,
                                  const IndirectLookup& indirect) {
  if (!m_cache.ok()) return {};
  m_emitter->m_chain_slots = chain_slots;
  m_emitter->m_tag = tag;
  m_emitter->m_indirect = chain_slots ? indirect : IndirectLookup{};
  try {
    m_emitter->reset();
    m_emitter->emit_block(block);
    m_emitter->ready();
  } catch (const Xbyak::Error&) {
    ++m_stats.failures;
    return {};
  }
  const auto* code = m_emitter->getCode();
  const size_t len = m_emitter->getSize();
  const uint8_t* host = m_cache.add(code, len);
  if (!host) {
    m_cache.flush();
    ++m_stats.flushes;
    host = m_cache.add(code, len);
    if (!host) {
      ++m_stats.failures;
      return {};
    }
  }
  ++m_stats.blocks_compiled;
  m_stats.host_bytes += len;
  return {reinterpret_cast<BlockFn>(const_cast<uint8_t*>(host)), host + m_emitter->m_body_offset};
}

}  // namespace dynemu::backend::x64
