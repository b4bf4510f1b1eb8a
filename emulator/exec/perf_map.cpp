#include "emulator/exec/perf_map.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dynemu::exec {

PerfMap::PerfMap(const LogMask& log) {
  const char* env = std::getenv("DYNEMU_PERF_MAP");
  if (!log.has(LogItem::PerfMap) && !(env && std::strcmp(env, "0") != 0 && *env)) return;
  char path[64];
  std::snprintf(path, sizeof path, "/tmp/perf-%d.map", static_cast<int>(getpid()));
  m_fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (m_fd < 0) std::fprintf(stderr, "dynemu: cannot write %s: %s\n", path, std::strerror(errno));
}

PerfMap::~PerfMap() {
  if (m_fd >= 0) ::close(m_fd);
}

void PerfMap::add(const void* code, size_t size, uint32_t eip, uint32_t phys) {
  if (m_fd < 0 || size == 0) return;
  char line[80];
  const int n =
      std::snprintf(line, sizeof line, "%lx %zx g%08x/p%08x\n",
                    static_cast<unsigned long>(reinterpret_cast<uintptr_t>(code)), size, eip, phys);
  if (n <= 0) return;
  // Best effort: a short or failed write loses one symbol, nothing else.
  [[maybe_unused]] const ssize_t written = ::write(m_fd, line, static_cast<size_t>(n));
}

}  // namespace dynemu::exec
