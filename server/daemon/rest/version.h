#pragma once

#include "web/http.h"

namespace dynemu::daemon::rest {

// GET /api/v1/version -> {"name": "dynemu", "version": "0.1.0"}
web::Response version();

}  // namespace dynemu::daemon::rest
