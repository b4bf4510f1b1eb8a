#pragma once

#include "server/daemon/server_info.h"
#include "web/http.h"

namespace dynemu::daemon::rest {

// GET /api/v1/health -> {"status": "ok", "uptime_s": 12.5}
web::Response health(const ServerInfo& info);

}  // namespace dynemu::daemon::rest
