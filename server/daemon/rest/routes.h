#pragma once

#include <filesystem>

#include "server/daemon/events.h"
#include "server/daemon/server_info.h"
#include "web/router.h"

namespace dynemu::daemon::rest {

// Everything dynemud serves: /api/v1 routes, the events WebSocket, and the
// static console for every other path.
void add_routes(web::Router& router, const ServerInfo& info, EventHub& events,
                const std::filesystem::path& static_dir);

}  // namespace dynemu::daemon::rest
