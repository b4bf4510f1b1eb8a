#pragma once

// A Boost.Beast HTTP/1.1 + WebSocket server behind a small interface: this
// header pulls in no Boost, so code that only sets up routes compiles fast.
//
//   web::Router router;
//   router.add("GET", "/hello", [](const web::Request&) { ... });
//   web::Server server(std::move(router), options);
//   if (auto err = server.listen("127.0.0.1", 0)) ...;
//   server.run();            // blocks until stop() (or a signal) and all sessions end

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "web/http.h"
#include "web/router.h"

namespace web {

struct Limits {
  std::size_t max_body_bytes = 1 << 20;     // larger bodies get 413
  std::size_t max_header_bytes = 16 << 10;  // larger headers get 431
  // Time allowed to read one request (headers and body), and the idle time
  // a kept-alive connection may wait for its next request.
  std::chrono::milliseconds read_timeout{30'000};
  std::size_t ws_max_message_bytes = 1 << 20;  // larger incoming messages close the socket
  std::size_t ws_send_queue_max = 64;          // messages queued behind the one in flight
};

struct AccessLogEntry {
  std::string_view remote;
  std::string_view method;
  std::string_view path;
  int status;
  std::size_t bytes;  // response body bytes sent (0 for HEAD and 304)
  double ms;          // from the request being read to the response being written
};
using AccessLog = std::function<void(const AccessLogEntry&)>;

struct ServerOptions {
  Limits limits;
  AccessLog access_log;  // may be empty
  int threads = 1;       // threads run() uses for the I/O context
  std::string server_name = "web";
};

class Server {
 public:
  Server(Router router, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; port 0 picks a free port (see port()).
  std::optional<Error> listen(std::string_view host, std::uint16_t port);
  std::uint16_t port() const;

  // Calls `tick` every `period` on an I/O thread until stop().
  void every(std::chrono::milliseconds period, std::function<void()> tick);
  // SIGINT and SIGTERM call stop(). Set up before run().
  void stop_on_signals();

  // Serves until stop(): blocks, using ServerOptions::threads threads
  // (this one included), and returns once every session has ended.
  void run();
  // Graceful shutdown, callable from any thread: stop accepting, cancel
  // timers, close HTTP sessions and send WebSocket close frames.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace web
