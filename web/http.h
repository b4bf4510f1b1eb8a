#pragma once

// The transport's request and response values. Plain strings: the web layer
// carries bytes, the application decides what they mean (JSON, HTML, ...).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace web {

// A transport error a person can act on ("listen 127.0.0.1:80: Permission denied").
struct Error {
  std::string message;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // upper case, as sent: "GET", "POST", ...
  std::string target;  // raw request target: "/api/v1/x?y=1"
  std::string path;    // percent-decoded path without the query: "/api/v1/x"
  std::string query;   // raw query without '?': "y=1"
  Headers headers;
  std::string body;
  std::string remote;  // peer address "127.0.0.1:51234"
  // Values of `{name}` segments of the matched route pattern.
  std::map<std::string, std::string, std::less<>> params;

  // Case-insensitive header lookup; empty when absent.
  std::string_view header(std::string_view name) const;
  std::string_view param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  Headers headers;
  std::string body;

  static Response json(int status, std::string body);
  // {"error": message} with the given status.
  static Response error(int status, std::string_view message);
  static Response text(int status, std::string body, std::string content_type);
};

// Escapes a string for use inside a JSON string literal (without the quotes).
std::string json_escape(std::string_view text);

// Percent-decodes a URL path; nullopt on a malformed escape or an encoded NUL.
std::optional<std::string> percent_decode(std::string_view text);

// True when any '/'-separated segment of the path is "..".
bool has_dot_dot_segment(std::string_view path);

bool iequals(std::string_view a, std::string_view b);

}  // namespace web
