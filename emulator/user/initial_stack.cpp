#include "emulator/user/initial_stack.h"

#include <elf.h>

namespace dynemu::user {

std::vector<AuxEntry> make_auxv(const LoadedProgram& prog, const StackImage& img, uint32_t platform,
                                uint32_t random, uint32_t execfn) {
  // No AT_SYSINFO / AT_SYSINFO_EHDR: without a vDSO libc makes system calls
  // with int $0x80.
  return {
      {kAtHwcap, img.hwcap},
      {kAtPagesz, GuestSpace::kPage},
      {kAtClktck, 100},
      {kAtPhdr, prog.main.phdr},
      {kAtPhent, sizeof(Elf32_Phdr)},
      {kAtPhnum, prog.main.phnum},
      {kAtBase, prog.has_interp ? prog.interp.bias : 0},
      {kAtFlags, 0},
      {kAtEntry, prog.main.entry},
      {kAtUid, img.uid},
      {kAtEuid, img.euid},
      {kAtGid, img.gid},
      {kAtEgid, img.egid},
      {kAtSecure, img.secure ? 1u : 0u},
      {kAtRandom, random},
      {kAtHwcap2, 0},
      {kAtExecfn, execfn},
      {kAtPlatform, platform},
      {kAtNull, 0},
  };
}

Result<uint32_t> build_initial_stack(GuestSpace& space, uint32_t top, const StackImage& img,
                                     const LoadedProgram& prog) {
  uint32_t p = top - 4;  // the kernel keeps a NULL word at the very top
  bool ok = true;
  auto push_bytes = [&](const void* data, uint32_t len) {
    p -= len;
    ok = ok && space.write(p, data, len);
    return p;
  };
  auto push_string = [&](const std::string& s) { return push_bytes(s.c_str(), s.size() + 1); };

  const uint32_t execfn = push_string(img.execfn);
  std::vector<uint32_t> envp(img.envp.size()), argv(img.argv.size());
  for (size_t i = img.envp.size(); i-- > 0;) envp[i] = push_string(img.envp[i]);
  for (size_t i = img.argv.size(); i-- > 0;) argv[i] = push_string(img.argv[i]);
  p &= ~15u;
  const uint32_t platform = push_string("i686");
  const uint32_t random = push_bytes(img.random.data(), 16);

  const auto auxv = make_auxv(prog, img, platform, random, execfn);
  const uint32_t words =
      1 + uint32_t(argv.size()) + 1 + uint32_t(envp.size()) + 1 + 2 * uint32_t(auxv.size());
  uint32_t sp = (p - words * 4) & ~15u;
  if (sp < top - GuestSpace::kStackSize / 2) return Error{"argument list too long"};
  std::vector<uint32_t> table;
  table.reserve(words);
  table.push_back(uint32_t(argv.size()));
  table.insert(table.end(), argv.begin(), argv.end());
  table.push_back(0);
  table.insert(table.end(), envp.begin(), envp.end());
  table.push_back(0);
  for (const auto& a : auxv) {
    table.push_back(a.type);
    table.push_back(a.value);
  }
  ok = ok && space.write(sp, table.data(), table.size() * 4);
  if (!ok) return Error{"the initial stack does not fit"};
  return sp;
}

}  // namespace dynemu::user
