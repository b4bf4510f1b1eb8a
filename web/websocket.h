#pragma once

// The application's view of one WebSocket connection. The transport owns the
// socket; the application may keep a shared_ptr to send from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "web/http.h"

namespace web {

class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;

  // Queue a message; thread-safe. Only one write is in flight per
  // connection; when the send queue is full (Limits::ws_send_queue_max) or
  // the connection is closing, the message is dropped and false returned:
  // the caller decides whether a slow client gets fewer frames or is closed.
  virtual bool send_text(std::string message) = 0;
  virtual bool send_binary(std::string message) = 0;
  // Start a normal close handshake; thread-safe.
  virtual void close() = 0;

  virtual std::uint64_t id() const = 0;
  // The upgrade request (path, params, headers), kept for the application.
  virtual const Request& request() const = 0;
};

using WebSocketPtr = std::shared_ptr<WebSocketConnection>;

// Callbacks run on the connection's strand: never concurrently for one
// connection, but possibly concurrently for different ones.
struct WebSocketHandler {
  std::function<void(const WebSocketPtr&)> on_open;
  std::function<void(const WebSocketPtr&, std::string_view data, bool binary)> on_message;
  std::function<void(const WebSocketPtr&)> on_close;
};

}  // namespace web
