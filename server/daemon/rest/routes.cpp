#include "server/daemon/rest/routes.h"

#include <memory>

#include "server/daemon/rest/health.h"
#include "server/daemon/rest/version.h"
#include "web/static_files.h"

namespace dynemu::daemon::rest {

void add_routes(web::Router& router, const ServerInfo& info, EventHub& events,
                const std::filesystem::path& static_dir) {
  router.add("GET", "/api/v1/health", [&info](const web::Request&) { return health(info); });
  router.add("GET", "/api/v1/version", [](const web::Request&) { return version(); });
  router.add_websocket("/api/v1/events", events.handler());

  auto files = std::make_shared<web::StaticFiles>(static_dir);
  router.set_fallback([files](const web::Request& request) {
    // The API namespace never falls through to files: a typo in an API path
    // gets a JSON 404, not the landing page.
    if (request.path == "/api" || request.path.rfind("/api/", 0) == 0)
      return web::Response::error(404, "no such resource: " + request.path);
    return files->serve(request);
  });
}

}  // namespace dynemu::daemon::rest
