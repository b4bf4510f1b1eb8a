#pragma once

// Private to web/: what the listener (server.cpp) and the sessions
// (sessions.cpp) share. Includes Asio's socket but not Beast, so only
// sessions.cpp pays for Beast.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>

#include "web/router.h"
#include "web/server.h"

namespace web::detail {

// A live session that graceful shutdown must close.
class Closable {
 public:
  virtual ~Closable() = default;
  // Thread-safe: posts the close to the session's strand.
  virtual void shutdown() = 0;
};

// Owned by the server and by every session (sessions may outlive a
// stop() call by a few handlers), so the router and options stay valid.
struct Shared {
  Shared(Router r, ServerOptions o) : router(std::move(r)), options(std::move(o)) {}

  // Registers a session; returns 0 (not registered) once shutdown started,
  // and the caller then closes itself.
  std::uint64_t add(std::weak_ptr<Closable> session);
  void remove(std::uint64_t id);
  // Marks the server stopping and asks every live session to close.
  void shutdown_all();

  const Router router;
  const ServerOptions options;
  std::atomic<bool> stopping{false};

 private:
  std::mutex m_mutex;
  std::unordered_map<std::uint64_t, std::weak_ptr<Closable>> m_sessions;
  std::uint64_t m_next_id = 1;
};

// Starts serving HTTP (and upgrades) on an accepted socket whose executor
// is the connection's own strand.
void start_http_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<Shared> shared);

}  // namespace web::detail
