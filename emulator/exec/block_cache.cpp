#include "emulator/exec/block_cache.h"

#include <algorithm>

namespace dynemu::exec {

BlockCache::BlockCache() : m_code_pages((uint64_t{1} << 20) / 64, 0) {}

template <typename F>
void BlockCache::for_each_page(const CachedBlock& b, F f) {
  for (uint32_t r = 0; r < b.num_ranges; ++r) {
    const uint32_t first = b.ranges[r].start >> 12;
    const uint32_t last = (b.ranges[r].start + std::max<uint32_t>(b.ranges[r].len, 1) - 1) >> 12;
    for (uint32_t p = first;; p = (p + 1) & 0xfffff) {
      f(p);
      if (p == last) break;
    }
  }
}

bool block_keeps_mode(const ir::Block& block) {
  // The key reads segment bases and flags, CR0, EFLAGS.VM/TF and DR7: any
  // write to CpuState beyond the GPRs (and the lazy flags) might change
  // them, unless declared not to (CLI/CLD/STD's EFLAGS writes), or the
  // helper leaves the block when it did (segment loads, IRET, POPF, STI:
  // ir::kKeepsKey). About 10 returns to the loop less per idle Linux tick.
  for (const ir::Inst& inst : block.insts) {
    switch (inst.op) {
      case ir::Opcode::SetState8:
      case ir::Opcode::SetState16:
      case ir::Opcode::SetState32:
        if (!(inst.aux & ir::kStateKeepsKey)) return false;
        break;
      case ir::Opcode::Call:
        if ((inst.helper->effects & ir::kWritesState) && !(inst.helper->effects & ir::kKeepsKey))
          return false;
        break;
      default: break;
    }
  }
  return true;
}

CachedBlock* BlockCache::insert(std::unique_ptr<CachedBlock> block,
                                const std::vector<std::pair<uint32_t, uint32_t>>& aliases) {
  for (auto [code_page, alias_page] : aliases) {
    auto& targets = m_alias_of[alias_page];
    if (std::find(targets.begin(), targets.end(), code_page) == targets.end())
      targets.push_back(code_page);
    set_code_page(alias_page);
  }
  CachedBlock* b = block.get();
  if (b->num_ranges == 0) {
    b->ranges[0] = {b->key.linear(), std::max<uint32_t>(b->ir.guest_bytes, 1)};
    b->num_ranges = 1;
  }
  b->keeps_mode = block_keeps_mode(b->ir);
  b->succ.assign(b->ir.num_direct_exits, nullptr);
  b->succ_epoch.assign(b->ir.num_direct_exits, 0);
  for_each_page(*b, [&](uint32_t p) {
    auto& list = m_page_blocks[p];
    if (std::find(list.begin(), list.end(), b) == list.end()) list.push_back(b);
    set_code_page(p);
  });
  m_jump_cache[jump_index(b->key)] = {b->key, b, nullptr};
  auto [it, inserted] = m_blocks.insert_or_assign(b->key, std::move(block));
  return it->second.get();
}

void BlockCache::remove(CachedBlock* b) {
  for_each_page(*b, [&](uint32_t p) {
    auto it = m_page_blocks.find(p);
    if (it != m_page_blocks.end()) {
      auto& list = it->second;
      list.erase(std::remove(list.begin(), list.end(), b), list.end());
      if (list.empty()) {
        m_page_blocks.erase(it);
        m_code_pages[p >> 6] &= ~(uint64_t{1} << (p & 63));
      }
    }
  });
  JumpSlot& slot = m_jump_cache[jump_index(b->key)];
  if (slot.block == b) slot = JumpSlot{};  // no indirect exit may enter it now
  auto it = m_blocks.find(b->key);
  if (it != m_blocks.end() && it->second.get() == b) {
    m_graveyard.push_back(std::move(it->second));
    m_blocks.erase(it);
  }
}

void BlockCache::collect_victims(uint32_t addr, uint64_t end, std::vector<CachedBlock*>& victims) {
  for (uint64_t p = addr >> 12; p <= (end - 1) >> 12; ++p) {
    auto it = m_page_blocks.find(static_cast<uint32_t>(p & 0xfffff));
    if (it == m_page_blocks.end()) continue;
    for (CachedBlock* b : it->second) {
      bool overlaps = false;
      for (uint32_t r = 0; r < b->num_ranges; ++r) {
        const uint64_t start = b->ranges[r].start;
        const uint64_t stop = start + b->ranges[r].len;
        overlaps |= start < end && addr < stop;
      }
      if (overlaps && std::find(victims.begin(), victims.end(), b) == victims.end())
        victims.push_back(b);
    }
  }
}

bool BlockCache::invalidate(uint32_t addr, uint32_t len, const CachedBlock* running) {
  if (len == 0) return false;
  const uint64_t end = uint64_t{addr} + len;  // exclusive; may pass 4 GiB
  std::vector<CachedBlock*> victims;
  collect_victims(addr, end, victims);
  // Writes through an alias: the same bytes of each code page it mirrors.
  if (!m_alias_of.empty()) {
    for (uint64_t p = addr >> 12; p <= (end - 1) >> 12; ++p) {
      auto it = m_alias_of.find(static_cast<uint32_t>(p & 0xfffff));
      if (it == m_alias_of.end()) continue;
      const uint64_t lo = std::max<uint64_t>(addr, p << 12);
      const uint64_t hi = std::min<uint64_t>(end, (p + 1) << 12);
      for (uint32_t code_page : it->second) {
        const uint64_t shift = (uint64_t{code_page} << 12) - (p << 12);
        collect_victims(static_cast<uint32_t>(lo + shift), hi + shift, victims);
      }
    }
  }
  if (victims.empty()) return false;
  bool hit_running = false;
  for (CachedBlock* b : victims) {
    hit_running |= b == running;
    remove(b);
  }
  ++m_epoch;  // unchains every direct-exit successor pointer
  // Host links too, now: jit_links points into the victims' chain slots,
  // which collect() frees.
  unlink_jit_chains();
  return hit_running;
}

void BlockCache::clear() {
  unlink_jit_chains();  // the slots live in the blocks freed below
  for (auto& [key, block] : m_blocks) m_graveyard.push_back(std::move(block));
  m_blocks.clear();
  m_page_blocks.clear();
  m_alias_of.clear();
  std::fill(m_code_pages.begin(), m_code_pages.end(), 0);
  m_jump_cache.fill(JumpSlot{});
  ++m_epoch;
}

}  // namespace dynemu::exec
