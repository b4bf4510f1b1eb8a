#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "emulator/backend/x64/jit.h"
#include "emulator/interp/interpreter.h"
#include "emulator/ir/block.h"

namespace dynemu::exec {

// What identifies a translation: the same guest bytes at the same linear
// address translated for the same mode give the same block. System mode
// adds the physical address of the first byte (paging may map the same
// linear address to other code).
struct BlockKey {
  uint32_t eip = 0;
  uint32_t cs_base = 0;
  uint32_t mode = 0;  // ir::BlockMode bits
  uint32_t phys = 0;  // system mode: physical address of cs_base + eip; user mode 0

  bool operator==(const BlockKey&) const = default;
  uint32_t linear() const { return cs_base + eip; }
};

struct BlockKeyHash {
  size_t operator()(const BlockKey& k) const {
    uint64_t h = (uint64_t{k.eip} << 32 | (k.cs_base ^ k.phys)) * 0x9e3779b97f4a7c15ull;
    return static_cast<size_t>(h ^ (h >> 29) ^ k.mode);
  }
};

// Guest memory a compiled block overwrote, oldest first (Engine::Compare): enough to undo
// its stores and run the same block again on the interpreter.
struct StoreLog {
  struct Entry {
    uint32_t addr;
    uint32_t len;
    uint64_t old_bytes;
    uint64_t jit_bytes = 0;  // what the JIT left there (filled after its run)
  };
  std::vector<Entry> entries;
};

// A translated block as the cache keeps it.
struct CachedBlock {
  BlockKey key;
  ir::Block ir;  // kept for -d op, compare mode and the JIT
  interp::Program program;
  // Where its code bytes are, for self-modifying code: linear addresses in
  // user mode, physical ones in system mode (two ranges when the block
  // crosses into a second page).
  struct CodeRange {
    uint32_t start = 0, len = 0;
  };
  std::array<CodeRange, 2> ranges{};
  uint32_t num_ranges = 0;
  // System mode, a block crossing a page: linear address and physical page
  // of its second page, checked on lookup (the mapping may have changed).
  uint32_t page2_linear = 0;
  uint32_t page2_phys = 0;
  // Direct-exit successors (a software form of chaining): valid while
  // `succ_epoch` equals the cache epoch, which every invalidation bumps.
  std::vector<CachedBlock*> succ;
  std::vector<uint64_t> succ_epoch;
  // No op of the block can change CS base, the mode bits or the lazy
  // segment state of the key (see block_keeps_mode): its direct exits may
  // skip the key computation.
  bool keeps_mode = false;
  // Engine::Jit: host code, valid while `jit_epoch` equals the JIT's
  // epoch (a full translation cache is flushed whole). Null with a current
  // epoch: the block could not be compiled and runs on the interpreter.
  backend::x64::BlockFn jit_code = nullptr;
  uint64_t jit_epoch = 0;
  // Host chaining: where a chained jump enters the code, per direct exit
  // the body of the linked successor (0: its jump leaves to the loop), and
  // the patched jumps of the direct exits (backend::x64::Jit::Chained).
  const void* jit_body = nullptr;
  std::unique_ptr<uint64_t[]> jit_chain;
  std::vector<std::pair<uint32_t, uint8_t*>> jit_exits;
  // Engine::Compare: the block with its stores logged (see compare.h).
  backend::x64::BlockFn compare_code = nullptr;
  uint64_t compare_epoch = 0;
  uint32_t compare_temps = 0;  // temps it needs (the logging adds some)
};

// Whether nothing in `block` can change what the block key depends on.
bool block_keeps_mode(const ir::Block& block);

// The translation-block cache of one CPU: a hash map by key, a small
// direct-mapped jump cache in front of it, per-page lists of blocks for
// self-modifying code, and a bitmap of pages holding code (read by stores).
class BlockCache {
 public:
  BlockCache();

  CachedBlock* find(const BlockKey& key) {
    JumpSlot& slot = m_jump_cache[jump_index(key)];
    if (slot.block && slot.key == key) return slot.block;
    auto it = m_blocks.find(key);
    if (it == m_blocks.end()) return nullptr;
    slot = {key, it->second.get(), nullptr};
    return slot.block;
  }

  // Adds a block. `aliases` lists, for its pages, other pages backed by the
  // same memory (see CpuConfig::page_aliases): writes there count too.
  // Without block->ranges set (num_ranges 0), its code is the linear range
  // from key.linear().
  CachedBlock* insert(std::unique_ptr<CachedBlock> block,
                      const std::vector<std::pair<uint32_t, uint32_t>>& aliases = {});
  // Drops every block (keeps the JIT): the physical memory map changed.
  void drop_all() { clear(); }
  // Forgets every chaining link (software successors and JIT slots).
  void unchain_all() { ++m_epoch; }

  // Drops every block whose guest code overlaps [addr, addr + len). Blocks
  // are not freed at once (one may be running): they go to a graveyard
  // emptied by collect(). Returns true if `running` was among them.
  bool invalidate(uint32_t addr, uint32_t len, const CachedBlock* running);
  void collect() {
    if (!m_graveyard.empty()) m_graveyard.clear();
  }
  void clear();

  uint64_t epoch() const { return m_epoch; }
  // The JIT compiling for this cache (Engine::Jit and Compare; created by
  // the first such Cpu). Shared like the cache: its users run one at a time.
  std::unique_ptr<backend::x64::Jit> jit;
  // Host chaining: every linked exit (its block's chain slot and patched
  // jump), and the cache and JIT epochs they were linked in; any change
  // unlinks them all (unlink_jit_chains): the jumps go back to their stubs
  // (one batch of code writes), unless the code was flushed (then the
  // sites may hold new code and are left alone).
  struct JitLink {
    uint64_t* slot;
    uint8_t* site;
  };
  std::vector<JitLink> jit_links;
  uint64_t jit_links_epoch = 0, jit_links_jit_epoch = 0;
  // System mode: links whose target depends on the page mapping (see
  // Cpu::Impl::link_jit_chain), unlinked alone on TLB flushes.
  std::vector<JitLink> jit_cross_links;
  // Links direct exit `slot` of `from` (compiled in the current epoch) to
  // the body `to`: its patched jumps go there from now on.
  void link_jit_exit(CachedBlock* from, uint32_t slot, const void* to, bool cross) {
    from->jit_chain[slot] = reinterpret_cast<uint64_t>(to);
    for (auto [k, site] : from->jit_exits) {
      if (k != slot) continue;
      jit->patch_exit(site, to);
      (cross ? jit_cross_links : jit_links).push_back({&from->jit_chain[slot], site});
    }
  }
  void unlink_cross_page_chains() { unlink(jit_cross_links); }
  void unlink_jit_chains() {
    // Host code of an older JIT epoch is gone: no indirect exit may enter it.
    if (jit && jit_links_jit_epoch != jit->epoch())
      for (JumpSlot& slot : m_jump_cache) slot.jit_body = nullptr;
    unlink_cross_page_chains();
    unlink(jit_links);
    jit_links_epoch = m_epoch;
    jit_links_jit_epoch = jit ? jit->epoch() : 0;
  }
  bool jit_links_stale() const {
    return jit_links_epoch != m_epoch || (jit && jit_links_jit_epoch != jit->epoch());
  }
  // Indirect exits of compiled blocks look their successor up in the jump
  // cache (backend::x64::IndirectLookup) and enter its body if the entry
  // has one. Set when `block` (live, compiled in the current JIT epoch,
  // links not stale) is about to run; an entry loses it when the slot is
  // refilled, its block dropped (remove, clear) or the JIT flushed
  // (unlink_jit_chains). `max_temps`: blocks needing more temps than every
  // user of the cache has are not published (their temps arrays differ).
  // System mode: not a block running into a second page (whose mapping
  // only the loop's lookup checks).
  void publish_jit_body(CachedBlock* block, size_t max_temps) {
    if (block->page2_linear || !block->jit_body || !jit || block->jit_epoch != jit->epoch() ||
        block->program.num_slots() > max_temps)
      return;
    m_jump_cache[jump_index(block->key)] = {block->key, block, block->jit_body};
  }
  // Where the compiled indirect exits of a block with this CS base and mode
  // look up successors (system mode: through the TLB set of its CPL).
  backend::x64::IndirectLookup indirect_lookup(uint32_t cs_base, uint32_t mode) const {
    const bool system = mode & ir::kModeSystem;
    return {m_jump_cache.data(),
            kJumpCacheBits,
            cs_base,
            mode,
            system,
            system && ir::mode_cpl(mode) == 3};
  }

  // Engine::Compare: compiled compare code logs its stores here.
  StoreLog compare_log;
  size_t size() const { return m_blocks.size(); }
  const uint64_t* code_pages() const { return m_code_pages.data(); }
  // User mode, self-modifying code by host page protection: called for
  // every page marked as holding code (again on each new block there); the
  // runtime write-protects it on the host if the guest may write it. Set
  // before the first Cpu using the cache is made: its stores then carry no
  // inline check (ir::kMemHostProtected).
  std::function<void(uint32_t page)> on_code_page;
  bool is_code_page(uint32_t page) const { return (m_code_pages[page >> 6] >> (page & 63)) & 1; }

 private:
  static constexpr unsigned kJumpCacheBits = 14;
  static size_t jump_index(const BlockKey& k) {
    return (k.eip ^ (k.eip >> kJumpCacheBits) ^ (k.phys >> 12) ^ k.mode) &
           ((1u << kJumpCacheBits) - 1);
  }
  void remove(CachedBlock* block);
  template <typename F>
  void for_each_page(const CachedBlock& b, F f);
  void unlink(std::vector<JitLink>& links) {
    if (links.empty()) return;
    const bool code_live = jit && jit_links_jit_epoch == jit->epoch();
    for (const JitLink& link : links) {
      *link.slot = 0;
      if (code_live) jit->patch_exit(link.site, nullptr);
    }
    links.clear();
  }
  void set_code_page(uint32_t page) {
    m_code_pages[page >> 6] |= uint64_t{1} << (page & 63);
    if (on_code_page) on_code_page(page);
  }
  void collect_victims(uint32_t addr, uint64_t end, std::vector<CachedBlock*>& victims);

  std::unordered_map<BlockKey, std::unique_ptr<CachedBlock>, BlockKeyHash> m_blocks;
  // The key is kept next to the pointer: a hit touches one cache line.
  struct JumpSlot {
    BlockKey key;
    CachedBlock* block = nullptr;
    const void* jit_body = nullptr;  // see publish_jit_body
  };
  static_assert(sizeof(JumpSlot) == backend::x64::IndirectLookup::kEntryBytes);
  static_assert(offsetof(JumpSlot, key) + offsetof(BlockKey, eip) ==
                backend::x64::IndirectLookup::kEipOff);
  static_assert(offsetof(JumpSlot, key) + offsetof(BlockKey, cs_base) ==
                backend::x64::IndirectLookup::kCsBaseOff);
  static_assert(offsetof(JumpSlot, key) + offsetof(BlockKey, mode) ==
                backend::x64::IndirectLookup::kModeOff);
  static_assert(offsetof(JumpSlot, key) + offsetof(BlockKey, phys) ==
                backend::x64::IndirectLookup::kPhysOff);
  static_assert(offsetof(JumpSlot, jit_body) == backend::x64::IndirectLookup::kBodyOff);
  std::array<JumpSlot, 1u << kJumpCacheBits> m_jump_cache{};
  std::unordered_map<uint32_t, std::vector<CachedBlock*>> m_page_blocks;
  std::vector<uint64_t> m_code_pages;  // 1 bit per 4 KiB page of 4 GiB: 128 KiB
  // Alias page -> code pages it shares memory with. Kept until clear():
  // a stale entry only costs a lookup on stores to that page.
  std::unordered_map<uint32_t, std::vector<uint32_t>> m_alias_of;
  std::vector<std::unique_ptr<CachedBlock>> m_graveyard;
  uint64_t m_epoch = 1;
};

}  // namespace dynemu::exec
