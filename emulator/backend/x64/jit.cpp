#include "emulator/backend/x64/jit.h"

#include <algorithm>
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

bool Jit::guest_eip_at(uintptr_t host_pc, uint32_t& eip, uint64_t& tag) const {
  if (!m_cache.contains(host_pc)) return false;
  const uint32_t off = m_cache.offset_of(host_pc);
  auto span = std::upper_bound(m_spans.begin(), m_spans.end(), off,
                               [](uint32_t o, const BlockSpan& b) { return o < b.start; });
  if (span == m_spans.begin()) return false;
  --span;
  if (off >= span->end) return false;
  const HostPc* first = m_pcs.data() + span->first_pc;
  const HostPc* last = first + span->n_pcs;
  const HostPc* at =
      std::upper_bound(first, last, off, [](uint32_t o, const HostPc& p) { return o < p.off; });
  if (at == first) return false;  // the prologue: no instruction yet
  eip = at[-1].eip;
  tag = span->tag;
  return true;
}

Jit::Jit(size_t cache_bytes, CodeCache::Views views)
    : m_cache(cache_bytes, views), m_emitter(std::make_unique<Emitter>(kMaxBlockBytes)) {}

Jit::~Jit() = default;

BlockFn Jit::compile(const ir::Block& block) {
  return compile(block, false, 0, {}).fn;
}

Jit::Chained Jit::compile_chained(const ir::Block& block, uint64_t tag,
                                  const IndirectLookup& indirect) {
  return compile(block, true, tag, indirect);
}

void Jit::patch_exit(uint8_t* site, const void* target) {
  // rel32 from the end of the jmp; 0: the stub right after it.
  const auto from = reinterpret_cast<intptr_t>(site) + 4;
  const auto rel = target ? static_cast<int32_t>(reinterpret_cast<intptr_t>(target) - from) : 0;
  m_cache.patch32(site, static_cast<uint32_t>(rel));
}

Jit::Chained Jit::compile(const ir::Block& block, bool chain, uint64_t tag,
                          const IndirectLookup& indirect) {
  if (!m_cache.ok()) return {};
  m_emitter->m_chain = chain;
  m_emitter->m_tag = tag;
  m_emitter->m_indirect = chain ? indirect : IndirectLookup{};
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
    forget_spans();
    ++m_stats.flushes;
    host = m_cache.add(code, len);
    if (!host) {
      ++m_stats.failures;
      return {};
    }
  }
  const uint32_t start = m_cache.offset_of(reinterpret_cast<uintptr_t>(host));
  const std::vector<HostPc>& pcs = m_emitter->m_pcs;
  m_spans.push_back({start, start + static_cast<uint32_t>(len), static_cast<uint32_t>(m_pcs.size()),
                     static_cast<uint32_t>(pcs.size()), tag});
  for (const HostPc& pc : pcs) m_pcs.push_back({start + pc.off, pc.eip});
  ++m_stats.blocks_compiled;
  m_stats.host_bytes += len;
  Chained c{
      reinterpret_cast<BlockFn>(const_cast<uint8_t*>(host)), host + m_emitter->m_body_offset, {}};
  c.exits.reserve(m_emitter->m_exit_sites.size());
  for (auto [slot, off] : m_emitter->m_exit_sites)
    c.exits.emplace_back(slot, const_cast<uint8_t*>(host) + off);
  return c;
}

}  // namespace dynemu::backend::x64
