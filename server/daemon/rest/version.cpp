#include "server/daemon/rest/version.h"

#include <nlohmann/json.hpp>

#include "generated/version.h"

namespace dynemu::daemon::rest {

web::Response version() {
  nlohmann::json body = {{"name", dynemu::kProjectName}, {"version", dynemu::kVersion}};
  return web::Response::json(200, body.dump());
}

}  // namespace dynemu::daemon::rest
