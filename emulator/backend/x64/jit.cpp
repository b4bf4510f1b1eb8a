#include "emulator/backend/x64/jit.h"

#include <algorithm>
#include <cstring>

#include "emulator/backend/x64/emitter.h"
#include "emulator/x86/fpu/fpu_env.h"

namespace dynemu::backend::x64 {

namespace {
thread_local x86::FpuState* t_x87_resident = nullptr;
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

const Jit::BlockSpan* Jit::span_at(uintptr_t host_pc) const {
  if (!m_cache.contains(host_pc)) return nullptr;
  const uint32_t off = m_cache.offset_of(host_pc);
  const std::vector<BlockSpan>& spans = off < m_cache.cold_begin() ? m_hot_spans : m_cold_spans;
  auto span = std::upper_bound(spans.begin(), spans.end(), off,
                               [](uint32_t o, const BlockSpan& b) { return o < b.start; });
  if (span == spans.begin()) return nullptr;
  --span;
  return off < span->end ? &*span : nullptr;
}

bool Jit::guest_eip_at(uintptr_t host_pc, uint32_t& eip, uint64_t& tag) const {
  const BlockSpan* span = span_at(host_pc);
  if (!span) return false;
  const uint32_t off = m_cache.offset_of(host_pc);
  const HostPc* first = m_pcs.data() + span->first_pc;
  const HostPc* last = first + span->n_pcs;
  const HostPc* at =
      std::upper_bound(first, last, off, [](uint32_t o, const HostPc& p) { return o < p.off; });
  // Before the block's first instruction (its exit-request test, its
  // entry): none.
  if (at == first || at[-1].off < span->start) return false;
  eip = at[-1].eip;
  tag = span->tag;
  return true;
}

Jit::Jit(size_t cache_bytes)
    : m_cache(cache_bytes),
      m_emitter(std::make_unique<Emitter>(m_cache.base(), m_cache.capacity())) {
  if (m_cache.ok()) m_emitter->emit_trampolines(0, CodeCache::kTrampolineBytes, this);
}

Jit::~Jit() = default;

BlockFn Jit::compile(const ir::Block& block) {
  return compile(block, false, 0, {}).fn;
}

Jit::Chained Jit::compile_chained(const ir::Block& block, uint64_t tag,
                                  const IndirectLookup& indirect) {
  return compile(block, true, tag, indirect);
}

void Jit::patch_exit(uint8_t* site, const void* target) {
  const auto from = reinterpret_cast<intptr_t>(site) + 4;  // rel32 from the jmp's end
  if (!target) {
    const uint32_t off = m_cache.offset_of(reinterpret_cast<uintptr_t>(site));
    auto it = std::lower_bound(m_stubs.begin(), m_stubs.end(), std::make_pair(off, 0u));
    if (it == m_stubs.end() || it->first != off) return;  // not a site of this epoch
    target = m_cache.base() + it->second;
  }
  const auto rel = static_cast<int32_t>(reinterpret_cast<intptr_t>(target) - from);
  m_cache.patch32(site, static_cast<uint32_t>(rel));
}

void Jit::flush() {
  m_cache.flush();
  m_hot_spans.clear();
  m_cold_spans.clear();
  m_pcs.clear();
  m_stubs.clear();
  ++m_stats.flushes;
}

Jit::Chained Jit::compile(const ir::Block& block, bool chain, uint64_t tag,
                          const IndirectLookup& indirect) {
  if (!m_cache.ok()) return {};
  Emitter& e = *m_emitter;
  e.m_chain = chain;
  e.m_tag = tag;
  e.m_indirect = chain ? indirect : IndirectLookup{};
  // Emitted in place; when a region fills up, the cache is flushed and the
  // block emitted again (what it wrote is past the cursors: no one sees it).
  for (bool retried = false;; retried = true) {
    try {
      e.emit_block(block, m_cache.hot(), m_cache.hot_limit(), m_cache.cold(), m_cache.cold_limit());
      e.ready();
      break;
    } catch (const Xbyak::Error& err) {
      if (static_cast<int>(err) == Xbyak::ERR_CODE_IS_TOO_BIG && !retried && !m_cache.empty()) {
        flush();
        continue;
      }
      ++m_stats.failures;
      return {};
    }
  }
  const size_t hot = m_cache.hot(), cold = m_cache.cold();
  m_cache.commit(e.m_hot_end, e.m_cold_end);
  const auto first_pc = static_cast<uint32_t>(m_pcs.size());
  m_pcs.insert(m_pcs.end(), e.m_pcs.begin(), e.m_pcs.end());
  const auto n_pcs = static_cast<uint32_t>(e.m_pcs.size());
  m_hot_spans.push_back(
      {static_cast<uint32_t>(hot), static_cast<uint32_t>(e.m_hot_end), first_pc, n_pcs, tag});
  m_cold_spans.push_back(
      {static_cast<uint32_t>(cold), static_cast<uint32_t>(e.m_cold_end), first_pc, n_pcs, tag});
  const size_t hot_len = e.m_hot_end - hot, cold_len = e.m_cold_end - cold;
  ++m_stats.blocks_compiled;
  m_stats.host_bytes += hot_len + cold_len;
  m_stats.hot_bytes += hot_len;
  uint8_t* base = m_cache.base();
  Chained c{reinterpret_cast<BlockFn>(base + e.m_entry_off), base + e.m_body_offset, {}, {}, {}};
  c.hot = {base + hot, hot_len};
  c.cold = {base + cold, cold_len};
  c.exits.reserve(e.m_exit_sites.size());
  for (auto [slot, off] : e.m_exit_sites) {
    uint8_t* site = base + off;
    c.exits.emplace_back(slot, site);
    int32_t rel;
    std::memcpy(&rel, site, 4);  // the stub, as emitted
    m_stubs.emplace_back(off, static_cast<uint32_t>(static_cast<int64_t>(off) + 4 + rel));
  }
  return c;
}

}  // namespace dynemu::backend::x64
