#include "server/daemon/rest/health.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace dynemu::daemon::rest {

web::Response health(const ServerInfo& info) {
  nlohmann::json body = {{"status", "ok"}, {"uptime_s", std::floor(info.uptime_s() * 10) / 10}};
  return web::Response::json(200, body.dump());
}

}  // namespace dynemu::daemon::rest
