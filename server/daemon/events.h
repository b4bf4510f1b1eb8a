#pragma once

// /api/v1/events: a WebSocket that pushes the server's status as JSON to
// every connected page, on connect and on each broadcast() (once a second).
// Messages from the page: {"type":"ping","id":N} is answered with
// {"type":"pong","id":N}, so a page can measure its round trip.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "server/daemon/server_info.h"
#include "web/websocket.h"

namespace dynemu::daemon {

class EventHub {
 public:
  explicit EventHub(const ServerInfo& info) : m_info(info) {}

  web::WebSocketHandler handler();
  void broadcast();
  std::size_t client_count() const;

  // {"type":"status","name":..., "version":..., "uptime_s":..., "sessions":0,
  //  "clients":N, "time":"2026-11-23T21:00:00Z"}
  std::string status_json() const;

 private:
  const ServerInfo& m_info;
  mutable std::mutex m_mutex;
  std::unordered_map<std::uint64_t, web::WebSocketPtr> m_clients;
};

}  // namespace dynemu::daemon
