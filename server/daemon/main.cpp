// dynemud: the dynemu server. Flags here, everything else in Daemon.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include <CLI/CLI.hpp>

#include "generated/version.h"
#include "server/daemon/config.h"
#include "server/daemon/daemon.h"

namespace {

// Exit codes: 0 after a clean shutdown, 1 when serving fails (e.g. the port
// is taken), 2 for a bad command line or config value.
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

void print_line(std::FILE* out, const std::string& text) {
  std::fprintf(out, "dynemud: %s\n", text.c_str());
  std::fflush(out);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dynemud: the dynemu server (REST API, WebSocket console, browser UI)", "dynemud"};
  std::string config_path = "config/default.json";
  std::string listen, data_dir, static_dir;
  app.add_option("--config", config_path, "config file (JSON)")->capture_default_str();
  auto* listen_opt = app.add_option("--listen", listen, "HOST:PORT to serve on (overrides config)");
  auto* data_opt = app.add_option("--data-dir", data_dir, "data directory (overrides config)");
  auto* static_opt =
      app.add_option("--static-dir", static_dir, "browser console files (overrides config)");
  app.set_version_flag("--version", std::string(dynemu::kVersion));
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_line(stderr, std::string(e.what()) + " (see --help)");
    return kExitUsage;
  }

  dynemu::daemon::ConfigOverrides overrides;
  if (listen_opt->count()) overrides.listen = listen;
  if (data_opt->count()) overrides.data_dir = data_dir;
  if (static_opt->count()) overrides.static_dir = static_dir;
  const char* home = std::getenv("HOME");

  auto loaded = dynemu::daemon::load_config(config_path, overrides, home ? home : "");
  if (auto* err = std::get_if<dynemu::daemon::ConfigError>(&loaded)) {
    print_line(stderr, err->message);
    return kExitUsage;
  }
  auto config = std::get<dynemu::daemon::Config>(std::move(loaded));
  if (auto err = dynemu::daemon::prepare_directories(config)) {
    print_line(stderr, err->message);
    return kExitUsage;
  }

  dynemu::daemon::Daemon daemon(std::move(config), [](std::string_view line) {
    std::fprintf(stderr, "dynemud: %.*s\n", static_cast<int>(line.size()), line.data());
  });
  if (auto err = daemon.start()) {
    print_line(stderr, *err);
    return kExitRuntime;
  }
  daemon.stop_on_signals();
  print_line(stdout, "serving " + daemon.url());
  daemon.run();
  print_line(stdout, "stopped");
  return 0;
}
