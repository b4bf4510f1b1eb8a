#pragma once

#include <cstddef>
#include <cstdint>

#include "emulator/core/log.h"

namespace dynemu::exec {

// A perf map of compiled blocks (/tmp/perf-<pid>.map, the format `perf
// report` reads for JIT code): one "<host addr> <size> g<eip>/p<phys>"
// line per compiled block, appended with one write() so that lines of
// several Cpus of the process never mix and survive a SIGKILL. Enabled by
// `-d perfmap` or the environment variable DYNEMU_PERF_MAP=1. A JIT flush
// reuses addresses: the later line for an address is the one that counts.
class PerfMap {
 public:
  explicit PerfMap(const LogMask& log);
  ~PerfMap();
  PerfMap(const PerfMap&) = delete;
  PerfMap& operator=(const PerfMap&) = delete;

  bool enabled() const { return m_fd >= 0; }
  void add(const void* code, size_t size, uint32_t eip, uint32_t phys);

 private:
  int m_fd = -1;
};

}  // namespace dynemu::exec
