#include "server/daemon/events.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <vector>

#include <nlohmann/json.hpp>

#include "generated/version.h"

namespace dynemu::daemon {

using json = nlohmann::json;

static std::string utc_now() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string EventHub::status_json() const {
  json status = {
      {"type", "status"},
      {"name", dynemu::kProjectName},
      {"version", dynemu::kVersion},
      {"uptime_s", std::floor(m_info.uptime_s())},
      {"sessions", m_info.session_count()},
      {"clients", client_count()},
      {"time", utc_now()},
  };
  return status.dump();
}

static std::string reply_to(std::string_view data) {
  json msg = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (msg.is_discarded() || !msg.is_object())
    return json{{"type", "error"}, {"error", "expected a JSON object"}}.dump();
  if (msg.value("type", "") == "ping") {
    json pong = {{"type", "pong"}};
    if (msg.contains("id")) pong["id"] = msg["id"];
    return pong.dump();
  }
  return json{{"type", "error"}, {"error", "unknown message type"}}.dump();
}

web::WebSocketHandler EventHub::handler() {
  web::WebSocketHandler h;
  h.on_open = [this](const web::WebSocketPtr& ws) {
    {
      std::lock_guard lock(m_mutex);
      m_clients[ws->id()] = ws;
    }
    ws->send_text(status_json());
  };
  h.on_message = [](const web::WebSocketPtr& ws, std::string_view data, bool binary) {
    if (binary) {
      ws->send_text(json{{"type", "error"}, {"error", "binary messages are not accepted"}}.dump());
      return;
    }
    ws->send_text(reply_to(data));
  };
  h.on_close = [this](const web::WebSocketPtr& ws) {
    std::lock_guard lock(m_mutex);
    m_clients.erase(ws->id());
  };
  return h;
}

void EventHub::broadcast() {
  std::vector<web::WebSocketPtr> clients;
  {
    std::lock_guard lock(m_mutex);
    for (auto& [id, ws] : m_clients) clients.push_back(ws);
  }
  if (clients.empty()) return;
  std::string status = status_json();
  // A client whose queue is full misses this tick; the next one carries
  // the same facts, so nothing is lost by dropping.
  for (auto& ws : clients) ws->send_text(status);
}

std::size_t EventHub::client_count() const {
  std::lock_guard lock(m_mutex);
  return m_clients.size();
}

}  // namespace dynemu::daemon
