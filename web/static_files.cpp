#include "web/static_files.h"

#include <fstream>
#include <sstream>
#include <system_error>

#include "web/mime.h"

namespace web {

namespace fs = std::filesystem;

StaticFiles::StaticFiles(fs::path root) {
  std::error_code ec;
  fs::path canonical = fs::canonical(root, ec);
  m_root = ec ? std::move(root) : std::move(canonical);
}

// True when `path` is `root` or lies below it, comparing whole components.
static bool is_within(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == path.end() || *r != *p) return false;
  }
  return true;
}

Response StaticFiles::serve(const Request& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = Response::error(405, "method " + request.method + " not allowed on " +
                                          request.path + " (allowed: GET, HEAD)");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (has_dot_dot_segment(request.path)) return Response::error(400, "path must not contain '..'");

  std::string relative = request.path;
  while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
  fs::path wanted = m_root / relative;

  std::error_code ec;
  fs::path real = fs::canonical(wanted, ec);
  // Symlinks may point anywhere; only what really lies below the root is served.
  if (ec || !is_within(m_root, real)) return Response::error(404, "no such file: " + request.path);
  if (fs::is_directory(real, ec)) {
    real /= "index.html";
    if (!fs::is_regular_file(real, ec))
      return Response::error(404, "no such file: " + request.path);
  }
  if (!fs::is_regular_file(real, ec)) return Response::error(404, "no such file: " + request.path);

  auto size = fs::file_size(real, ec);
  if (ec) return Response::error(404, "no such file: " + request.path);
  auto mtime = fs::last_write_time(real, ec);
  std::ostringstream tag;
  tag << '"' << std::hex << size << '-' << mtime.time_since_epoch().count() << '"';
  std::string etag = tag.str();

  Response response;
  response.content_type = std::string(mime_type(real.filename().string()));
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Cache-Control", "no-cache");
  if (request.header("If-None-Match") == etag) {
    response.status = 304;
    return response;
  }
  std::ifstream in(real, std::ios::binary);
  if (!in) return Response::error(403, "cannot read: " + request.path);
  response.body.resize(size);
  in.read(response.body.data(), static_cast<std::streamsize>(size));
  response.body.resize(static_cast<std::size_t>(in.gcount()));
  response.status = 200;
  return response;
}

}  // namespace web
