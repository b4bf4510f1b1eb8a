#pragma once

#include <string_view>

namespace web {

// Content-Type for a file name's extension (case-insensitive);
// "application/octet-stream" when unknown.
std::string_view mime_type(std::string_view file_name);

}  // namespace web
