#include "emulator/user/elf_loader.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace dynemu::user {

namespace {

// Closes a descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

Error sys_error() {
  return Error{strerror(errno)};
}

bool valid_header(const Elf32_Ehdr& h) {
  return memcmp(h.e_ident, ELFMAG, SELFMAG) == 0 && h.e_ident[EI_CLASS] == ELFCLASS32 &&
         h.e_ident[EI_DATA] == ELFDATA2LSB && h.e_machine == EM_386 &&
         (h.e_type == ET_EXEC || h.e_type == ET_DYN) && h.e_phentsize == sizeof(Elf32_Phdr) &&
         h.e_phnum > 0 && h.e_phnum <= 512;
}

int prot_of(uint32_t pflags) {
  int p = 0;
  if (pflags & PF_R) p |= kProtRead;
  if (pflags & PF_W) p |= kProtWrite;
  if (pflags & PF_X) p |= kProtExec;
  return p;
}

bool read_exact(int fd, void* buf, size_t len, off_t off) {
  auto* p = static_cast<uint8_t*>(buf);
  while (len > 0) {
    const ssize_t n = pread(fd, p, len, off);
    if (n <= 0) return false;
    p += n;
    len -= size_t(n);
    off += n;
  }
  return true;
}

}  // namespace

bool is_elf32_i386(const std::string& path) {
  Fd f{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  Elf32_Ehdr h;
  return f.fd >= 0 && read_exact(f.fd, &h, sizeof h, 0) && valid_header(h);
}

Result<LoadedImage> load_image(GuestSpace& space, const std::string& path, uint32_t dyn_base) {
  Fd f{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return sys_error();
  Elf32_Ehdr h;
  if (!read_exact(f.fd, &h, sizeof h, 0) || !valid_header(h))
    return Error{"Exec format error (not an ELF32 i386 program)"};
  std::vector<Elf32_Phdr> ph(h.e_phnum);
  if (!read_exact(f.fd, ph.data(), ph.size() * sizeof(Elf32_Phdr), h.e_phoff))
    return Error{"Exec format error (truncated program headers)"};

  LoadedImage img;
  uint64_t lo = ~0ull, hi = 0;
  for (const auto& p : ph) {
    if (p.p_type == PT_LOAD && p.p_memsz) {
      if (p.p_filesz > p.p_memsz || uint64_t(p.p_vaddr) + p.p_memsz > GuestSpace::kSize)
        return Error{"Exec format error (bad PT_LOAD)"};
      lo = std::min<uint64_t>(lo, page_down(p.p_vaddr));
      hi = std::max<uint64_t>(hi, page_up(uint64_t(p.p_vaddr) + p.p_memsz));
    } else if (p.p_type == PT_GNU_STACK) {
      img.exec_stack = p.p_flags & PF_X;
      img.has_gnu_stack = true;
    } else if (p.p_type == PT_INTERP) {
      if (p.p_filesz == 0 || p.p_filesz > 4096) return Error{"Exec format error (bad PT_INTERP)"};
      std::string s(p.p_filesz, '\0');
      if (!read_exact(f.fd, s.data(), s.size(), p.p_offset))
        return Error{"Exec format error (bad PT_INTERP)"};
      img.interp = s.c_str();
    }
  }
  if (hi == 0) return Error{"Exec format error (no loadable segment)"};
  const uint32_t span = uint32_t(hi - lo);

  uint32_t bias = 0;
  if (h.e_type == ET_DYN) {
    uint32_t at = dyn_base && space.is_free(dyn_base, span) ? dyn_base : space.find_free(span);
    if (at == 0) return Error{"Cannot allocate memory for the program"};
    bias = at - uint32_t(lo);
  } else if (!space.is_free(uint32_t(lo), span)) {
    return Error{"Exec format error (segments overlap reserved memory)"};
  }
  img.bias = bias;

  // The whole span is reserved first so that holes between segments stay
  // the image's; then each segment is read in and gets its protection.
  // (Reading rather than mapping the file copes with any offset alignment.)
  const uint32_t start = uint32_t(lo) + bias;
  if (auto r =
          space.map_fixed(start, span, kProtRead | kProtWrite, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      !r)
    return r.error();
  std::vector<uint8_t> prot(span / GuestSpace::kPage, 0);
  for (const auto& p : ph) {
    if (p.p_type != PT_LOAD || p.p_memsz == 0) continue;
    const uint32_t va = p.p_vaddr + bias;
    if (p.p_filesz && !read_exact(f.fd, space.host(va), p.p_filesz, p.p_offset))
      return Error{"Exec format error (truncated segment)"};
    for (uint32_t a = page_down(va); a < page_up(uint64_t(va) + p.p_memsz); a += GuestSpace::kPage)
      prot[(a - start) / GuestSpace::kPage] |= uint8_t(prot_of(p.p_flags));
    img.end = std::max(img.end, va + p.p_memsz);
  }
  for (uint32_t i = 0; i < prot.size(); ++i) {
    // Segments that share a page get the union of their protections.
    uint32_t j = i;
    while (j + 1 < prot.size() && prot[j + 1] == prot[i]) ++j;
    space.protect(start + i * GuestSpace::kPage, (j - i + 1) * GuestSpace::kPage, prot[i]);
    i = j;
  }

  img.entry = h.e_entry + bias;
  img.phnum = h.e_phnum;
  for (const auto& p : ph)
    if (p.p_type == PT_PHDR) img.phdr = p.p_vaddr + bias;
  if (img.phdr == 0) {
    for (const auto& p : ph)
      if (p.p_type == PT_LOAD && h.e_phoff >= p.p_offset &&
          h.e_phoff + h.e_phnum * sizeof(Elf32_Phdr) <= uint64_t(p.p_offset) + p.p_filesz)
        img.phdr = p.p_vaddr + (h.e_phoff - p.p_offset) + bias;
  }
  return img;
}

Result<LoadedProgram> load_program(GuestSpace& space, const std::string& path,
                                   const std::string& sysroot) {
  LoadedProgram prog;
  prog.main = TRY(load_image(space, path, kPieBase));
  prog.entry = prog.main.entry;
  if (!prog.main.interp.empty()) {
    std::string ipath = prog.main.interp;
    if (!sysroot.empty() && sysroot != "/") {
      const std::string under = sysroot + "/" + ipath;
      if (access(under.c_str(), R_OK) == 0) ipath = under;
    }
    auto interp = load_image(space, ipath, 0);
    if (!interp)
      return Error{"cannot load the interpreter " + ipath + ": " + interp.error().message};
    prog.interp = std::move(interp).value();
    prog.has_interp = true;
    prog.entry = prog.interp.entry;
  }
  return prog;
}

}  // namespace dynemu::user
