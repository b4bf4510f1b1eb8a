#pragma once

// Serves files below one root directory: GET and HEAD only, index.html for
// directories, MIME types from the extension, ETag + If-None-Match (304).
// Refuses any path with a ".." segment (400) and anything whose real path
// (symlinks resolved) leaves the root (404).

#include <filesystem>

#include "web/http.h"

namespace web {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  Response serve(const Request& request) const;

 private:
  std::filesystem::path m_root;  // canonical when it exists
};

}  // namespace web
