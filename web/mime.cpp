#include "web/mime.h"

#include "web/http.h"

namespace web {

namespace {
struct MimeRow {
  std::string_view extension;
  std::string_view type;
};

// One row per extension; text types carry their charset so browsers never guess.
constexpr MimeRow kMimeTable[] = {
    {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
    {".md", "text/markdown; charset=utf-8"},
    {".yaml", "application/yaml"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".wasm", "application/wasm"},
    {".webmanifest", "application/manifest+json"},
};
}  // namespace

std::string_view mime_type(std::string_view file_name) {
  std::size_t slash = file_name.find_last_of('/');
  std::size_t dot = file_name.find_last_of('.');
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
    std::string_view ext = file_name.substr(dot);
    for (const MimeRow& row : kMimeTable) {
      if (iequals(row.extension, ext)) return row.type;
    }
  }
  return "application/octet-stream";
}

}  // namespace web
