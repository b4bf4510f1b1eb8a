#include "web/router.h"

#include <algorithm>

namespace web {

static std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  if (!path.empty() && path.front() == '/') start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

static bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

void Router::add(std::string method, std::string_view pattern, Handler handler) {
  m_routes.push_back(Route{std::move(method), split_path(pattern), std::move(handler), {}});
}

void Router::add_websocket(std::string_view pattern, WebSocketHandler handler) {
  m_routes.push_back(Route{{}, split_path(pattern), {}, std::move(handler)});
}

void Router::set_fallback(Handler handler) {
  m_fallback = std::move(handler);
}

bool Router::match(const Route& route, std::string_view path, Request* request) {
  std::vector<std::string> segments = split_path(path);
  if (segments.size() != route.segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (is_param(want)) {
      if (segments[i].empty()) return false;
    } else if (want != segments[i]) {
      return false;
    }
  }
  if (request) {
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const std::string& want = route.segments[i];
      if (is_param(want)) request->params[want.substr(1, want.size() - 2)] = segments[i];
    }
  }
  return true;
}

Response Router::dispatch(Request& request) const {
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  std::vector<std::string> allowed;
  bool websocket_path = false;
  for (const Route& route : m_routes) {
    if (!match(route, request.path, nullptr)) continue;
    if (route.method.empty()) {
      websocket_path = true;
      allowed.push_back("GET");
      continue;
    }
    if (route.method == method) {
      match(route, request.path, &request);
      return route.handler(request);
    }
    allowed.push_back(route.method);
    if (route.method == "GET") allowed.push_back("HEAD");
  }
  if (websocket_path && method == "GET") {
    Response r = Response::error(426, "this path takes a WebSocket upgrade");
    r.headers.emplace_back("Upgrade", "websocket");
    return r;
  }
  if (!allowed.empty()) {
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    std::string allow;
    for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    Response r = Response::error(405, "method " + request.method + " not allowed on " +
                                          request.path + " (allowed: " + allow + ")");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  if (m_fallback) return m_fallback(request);
  return Response::error(404, "no such resource: " + request.path);
}

const WebSocketHandler* Router::find_websocket(Request& request) const {
  for (const Route& route : m_routes) {
    if (route.method.empty() && match(route, request.path, &request)) return &route.ws;
  }
  return nullptr;
}

}  // namespace web
