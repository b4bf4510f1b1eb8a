#include "server/daemon/config.h"

#include <arpa/inet.h>

#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

namespace dynemu::daemon {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string Config::listen_string() const {
  bool v6 = listen_host.find(':') != std::string::npos;
  return (v6 ? "[" + listen_host + "]" : listen_host) + ":" + std::to_string(listen_port);
}

std::optional<std::pair<std::string, std::uint16_t>> parse_host_port(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return {};
  std::string host(text.substr(0, colon));
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) return {};

  unsigned char buf[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (inet_pton(AF_INET6, host.c_str(), buf) != 1) return {};
  } else if (host == "localhost") {
    host = "127.0.0.1";
  } else if (inet_pton(AF_INET, host.c_str(), buf) != 1) {
    return {};
  }
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

namespace {

// Where a value came from, for the error line: `config: "listen"` or `--listen`.
struct Source {
  std::string label;
};

ConfigError bad(const Source& src, std::string_view expected, const json& got) {
  return ConfigError{src.label + ": expected " + std::string(expected) + ", got " + got.dump()};
}

fs::path expand_home(const std::string& path, std::string_view home) {
  if (path == "~") return fs::path(home);
  if (path.rfind("~/", 0) == 0) return fs::path(home) / path.substr(2);
  return fs::path(path);
}

std::optional<ConfigError> set_listen(Config& c, const Source& src, const json& v) {
  if (!v.is_string()) return bad(src, "HOST:PORT", v);
  auto hp = parse_host_port(v.get<std::string>());
  if (!hp) return bad(src, "HOST:PORT", v);
  c.listen_host = hp->first;
  c.listen_port = hp->second;
  return {};
}

std::optional<ConfigError> set_path(fs::path& out, const Source& src, const json& v,
                                    std::string_view home) {
  if (!v.is_string() || v.get<std::string>().empty()) return bad(src, "a directory path", v);
  const std::string s = v.get<std::string>();
  if (s[0] == '~' && home.empty())
    return ConfigError{src.label + ": cannot expand \"~\": HOME is not set"};
  out = expand_home(s, home);
  return {};
}

template <typename T>
std::optional<ConfigError> set_uint(T& out, const Source& src, const json& v, std::uint64_t lo,
                                    std::uint64_t hi) {
  std::string expected = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  if (!v.is_number_integer()) return bad(src, expected, v);
  if (v.is_number_unsigned() ? v.get<std::uint64_t>() > hi || v.get<std::uint64_t>() < lo
                             : v.get<std::int64_t>() < static_cast<std::int64_t>(lo) ||
                                   v.get<std::int64_t>() > static_cast<std::int64_t>(hi))
    return bad(src, expected, v);
  out = static_cast<T>(v.get<std::int64_t>());
  return {};
}

std::optional<ConfigError> set_bool(bool& out, const Source& src, const json& v) {
  if (!v.is_boolean()) return bad(src, "true or false", v);
  out = v.get<bool>();
  return {};
}

using Setter = std::function<std::optional<ConfigError>(Config&, const Source&, const json&)>;
struct Key {
  std::string_view name;
  Setter set;
};

constexpr std::uint64_t kGiB = 1ull << 30;

std::optional<ConfigError> apply_limits(Config& c, const json& limits) {
  const Source whole{"config: \"limits\""};
  if (!limits.is_object()) return bad(whole, "an object", limits);
  const Key keys[] = {
      {"max_body_bytes",
       [](Config& c, const Source& s, const json& v) {
         return set_uint(c.max_body_bytes, s, v, 1, 64 * kGiB);
       }},
      {"max_header_bytes",
       [](Config& c, const Source& s, const json& v) {
         return set_uint(c.max_header_bytes, s, v, 1024, 1 << 20);
       }},
      {"read_timeout_ms",
       [](Config& c, const Source& s, const json& v) {
         return set_uint(c.read_timeout_ms, s, v, 1, 3'600'000);
       }},
      {"ws_max_message_bytes",
       [](Config& c, const Source& s, const json& v) {
         return set_uint(c.ws_max_message_bytes, s, v, 125, kGiB);
       }},
      {"ws_send_queue_max",
       [](Config& c, const Source& s, const json& v) {
         return set_uint(c.ws_send_queue_max, s, v, 1, 1'000'000);
       }},
  };
  for (const auto& [name, value] : limits.items()) {
    Source src{"config: \"limits." + name + "\""};
    const Key* key = nullptr;
    for (const Key& k : keys) {
      if (k.name == name) key = &k;
    }
    if (!key) return ConfigError{src.label + ": unknown key"};
    if (auto err = key->set(c, src, value)) return err;
  }
  return {};
}

}  // namespace

namespace {

ConfigResult parse_document(std::string_view json_text, const ConfigOverrides& overrides,
                            std::string_view home, const std::string& where) {
  json doc;
  try {
    doc = json::parse(json_text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    // nlohmann's message after its "[json.exception.parse_error.101] " tag
    // carries the line and column.
    std::string what = e.what();
    std::size_t tag_end = what.find("] ");
    return ConfigError{where + ": not valid JSON: " +
                       (tag_end == std::string::npos ? what : what.substr(tag_end + 2))};
  }
  if (!doc.is_object()) return ConfigError{where + ": expected a JSON object, got " + doc.dump()};

  Config c;
  if (!home.empty()) c.data_dir = fs::path(home) / ".local/share/dynemu";
  const Key keys[] = {
      {"listen", set_listen},
      {"data_dir", [home](Config& c, const Source& s,
                          const json& v) { return set_path(c.data_dir, s, v, home); }},
      {"static_dir", [home](Config& c, const Source& s,
                            const json& v) { return set_path(c.static_dir, s, v, home); }},
      {"access_log",
       [](Config& c, const Source& s, const json& v) { return set_bool(c.access_log, s, v); }},
      {"threads",
       [](Config& c, const Source& s, const json& v) { return set_uint(c.threads, s, v, 1, 64); }},
      {"limits", [](Config& c, const Source&, const json& v) { return apply_limits(c, v); }},
  };
  for (const auto& [name, value] : doc.items()) {
    Source src{"config: \"" + name + "\""};
    const Key* key = nullptr;
    for (const Key& k : keys) {
      if (k.name == name) key = &k;
    }
    if (!key) return ConfigError{src.label + ": unknown key"};
    if (auto err = key->set(c, src, value)) return *err;
  }

  if (overrides.listen) {
    if (auto err = set_listen(c, Source{"--listen"}, json(*overrides.listen))) return *err;
  }
  if (overrides.data_dir) {
    if (auto err = set_path(c.data_dir, Source{"--data-dir"}, json(*overrides.data_dir), home))
      return *err;
  }
  if (overrides.static_dir) {
    if (auto err =
            set_path(c.static_dir, Source{"--static-dir"}, json(*overrides.static_dir), home))
      return *err;
  }
  if (c.data_dir.empty())
    return ConfigError{"config: \"data_dir\": no value and HOME is not set for the default"};
  return c;
}

}  // namespace

ConfigResult parse_config(std::string_view json_text, const ConfigOverrides& overrides,
                          std::string_view home) {
  return parse_document(json_text, overrides, home, "config");
}

ConfigResult load_config(const fs::path& path, const ConfigOverrides& overrides,
                         std::string_view home) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec(errno, std::generic_category());
    return ConfigError{"config: cannot read " + path.string() + ": " + ec.message()};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_document(text.str(), overrides, home, "config: " + path.string());
}

std::optional<ConfigError> prepare_directories(const Config& config) {
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec || !fs::is_directory(config.data_dir))
    return ConfigError{"config: \"data_dir\": cannot create " + config.data_dir.string() + ": " +
                       (ec ? ec.message() : std::string("not a directory"))};
  if (!fs::is_directory(config.static_dir, ec))
    return ConfigError{"config: \"static_dir\": " + config.static_dir.string() +
                       " is not a directory"};
  return {};
}

}  // namespace dynemu::daemon
