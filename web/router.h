#pragma once

// Method + path -> handler. Patterns are literal segments and `{name}`
// segments ("/api/v1/sessions/{id}"); a `{name}` segment matches one
// non-empty segment and its value lands in Request::params.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "web/http.h"
#include "web/websocket.h"

namespace web {

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  void add(std::string method, std::string_view pattern, Handler handler);
  void add_websocket(std::string_view pattern, WebSocketHandler handler);
  // Called for a path no route matches (any method), e.g. static files.
  // Without one, unmatched paths get 404.
  void set_fallback(Handler handler);

  // Routes the request: its handler's response, 405 with an Allow header when
  // the path matches with other methods, 426 for a WebSocket path asked for
  // without an upgrade, the fallback, or 404. HEAD is served by GET routes.
  Response dispatch(Request& request) const;

  // The WebSocket handler for an upgrade request's path (params filled in),
  // or nullptr.
  const WebSocketHandler* find_websocket(Request& request) const;

 private:
  struct Route {
    std::string method;  // empty for WebSocket routes
    std::vector<std::string> segments;
    Handler handler;
    WebSocketHandler ws;
  };
  static bool match(const Route& route, std::string_view path, Request* request);

  std::vector<Route> m_routes;
  Handler m_fallback;
};

}  // namespace web
