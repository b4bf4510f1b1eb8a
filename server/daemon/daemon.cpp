#include "server/daemon/daemon.h"

#include <cstdio>

#include "server/daemon/rest/routes.h"

namespace dynemu::daemon {

using namespace std::chrono_literals;

Daemon::Daemon(Config config, LogSink log) : m_config(std::move(config)), m_log(std::move(log)) {
  web::Router router;
  rest::add_routes(router, m_info, m_events, m_config.static_dir);

  web::ServerOptions options;
  options.server_name = "dynemud";
  options.threads = m_config.threads;
  options.limits.max_body_bytes = m_config.max_body_bytes;
  options.limits.max_header_bytes = m_config.max_header_bytes;
  options.limits.read_timeout = std::chrono::milliseconds(m_config.read_timeout_ms);
  options.limits.ws_max_message_bytes = m_config.ws_max_message_bytes;
  options.limits.ws_send_queue_max = m_config.ws_send_queue_max;
  if (m_config.access_log && m_log) {
    options.access_log = [log = m_log](const web::AccessLogEntry& e) {
      char line[512];
      std::snprintf(line, sizeof line, "%.*s \"%.*s %.*s\" %d %zuB %.2fms",
                    static_cast<int>(e.remote.size()), e.remote.data(),
                    static_cast<int>(e.method.size()), e.method.data(),
                    static_cast<int>(std::min<std::size_t>(e.path.size(), 300)), e.path.data(),
                    e.status, e.bytes, e.ms);
      log(line);
    };
  }
  m_server = std::make_unique<web::Server>(std::move(router), std::move(options));
}

Daemon::~Daemon() = default;

std::optional<std::string> Daemon::start() {
  if (auto err = m_server->listen(m_config.listen_host, m_config.listen_port)) return err->message;
  m_server->every(1s, [this] { m_events.broadcast(); });
  return std::nullopt;
}

std::uint16_t Daemon::port() const {
  return m_server->port();
}

std::string Daemon::url() const {
  Config bound = m_config;
  bound.listen_port = port();
  return "http://" + bound.listen_string() + "/";
}

void Daemon::stop_on_signals() {
  m_server->stop_on_signals();
}
void Daemon::run() {
  m_server->run();
}
void Daemon::stop() {
  m_server->stop();
}

}  // namespace dynemu::daemon
