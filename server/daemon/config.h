#pragma once

// dynemud's configuration: a JSON file (config/default.json) whose values
// command-line flags override. Every key is optional and has a default;
// unknown keys, wrong types and bad values are errors naming the key.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace dynemu::daemon {

struct Config {
  std::string listen_host = "127.0.0.1";  // "listen": "HOST:PORT"
  std::uint16_t listen_port = 8080;
  std::filesystem::path data_dir;               // "data_dir", ~ expanded
  std::filesystem::path static_dir = "static";  // "static_dir"
  bool access_log = true;                       // "access_log"
  int threads = 2;                              // "threads": I/O threads

  // "limits": {...}
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 << 10;
  std::uint32_t read_timeout_ms = 30'000;
  std::size_t ws_max_message_bytes = 1 << 20;
  std::size_t ws_send_queue_max = 64;

  std::string listen_string() const;  // "127.0.0.1:8080", "[::1]:8080"
};

// Values given on the command line; each replaces the file's value.
struct ConfigOverrides {
  std::optional<std::string> listen;
  std::optional<std::string> data_dir;
  std::optional<std::string> static_dir;
};

// One line for stderr, without the program name:
//   config: "listen": expected HOST:PORT, got "abc"
struct ConfigError {
  std::string message;
};

using ConfigResult = std::variant<Config, ConfigError>;

// Parses a config document. `home` expands a leading "~" in paths.
// Touches no files.
ConfigResult parse_config(std::string_view json_text, const ConfigOverrides& overrides,
                          std::string_view home);

// Reads and parses the file at `path`.
ConfigResult load_config(const std::filesystem::path& path, const ConfigOverrides& overrides,
                         std::string_view home);

// Creates data_dir if missing and checks that static_dir is a directory.
std::optional<ConfigError> prepare_directories(const Config& config);

// HOST:PORT with an IPv4 literal, [IPv6] literal or "localhost" (which means
// 127.0.0.1); port 0 asks for any free port.
std::optional<std::pair<std::string, std::uint16_t>> parse_host_port(std::string_view text);

}  // namespace dynemu::daemon
