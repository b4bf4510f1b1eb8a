#pragma once

// Facts about the running server that status reports share: when it
// started and how many sessions it runs (none until sessions land).

#include <chrono>
#include <cstddef>

namespace dynemu::daemon {

class ServerInfo {
 public:
  ServerInfo() : m_started(std::chrono::steady_clock::now()) {}

  double uptime_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
  }
  // Sessions arrive with the session manager; until then there are none.
  std::size_t session_count() const { return 0; }

 private:
  std::chrono::steady_clock::time_point m_started;
};

}  // namespace dynemu::daemon
