#pragma once

// The dynemud application object: the web server with dynemud's routes,
// the events broadcast, and the access log. main() wraps it with flags and
// signals; tests run it in-process on an ephemeral port.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/daemon/config.h"
#include "server/daemon/events.h"
#include "server/daemon/server_info.h"
#include "web/server.h"

namespace dynemu::daemon {

// Receives one finished log line (no trailing newline).
using LogSink = std::function<void(std::string_view line)>;

class Daemon {
 public:
  Daemon(Config config, LogSink log);
  ~Daemon();

  // Binds the configured address; an error line on failure.
  std::optional<std::string> start();
  std::uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:8080/"

  void stop_on_signals();  // SIGINT/SIGTERM -> stop()
  void run();              // blocks until stopped and every connection is closed
  void stop();             // thread-safe

 private:
  Config m_config;
  LogSink m_log;
  ServerInfo m_info;
  std::unique_ptr<web::Server> m_server;
  // Declared after the server so it is destroyed first: it may hold
  // connections, which must go before the server's I/O context.
  EventHub m_events{m_info};
};

}  // namespace dynemu::daemon
