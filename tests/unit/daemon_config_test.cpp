// dynemud's config: a good file, every bad value named by its key, unknown
// keys, flag overrides, and the directories it prepares.
#include "server/daemon/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using dynemu::daemon::Config;
using dynemu::daemon::ConfigError;
using dynemu::daemon::ConfigOverrides;
using dynemu::daemon::ConfigResult;

constexpr const char* kHome = "/home/tester";

Config ok(const ConfigResult& r) {
  if (auto* e = std::get_if<ConfigError>(&r)) ADD_FAILURE() << e->message;
  return std::holds_alternative<Config>(r) ? std::get<Config>(r) : Config{};
}

std::string error_of(std::string_view text, const ConfigOverrides& o = {}) {
  ConfigResult r = dynemu::daemon::parse_config(text, o, kHome);
  if (auto* e = std::get_if<ConfigError>(&r)) return e->message;
  return "(no error)";
}

TEST(DaemonConfig, FullFileIsRead) {
  Config c = ok(dynemu::daemon::parse_config(R"({
    "listen": "0.0.0.0:9000",
    "data_dir": "~/dyn",
    "static_dir": "/srv/static",
    "access_log": false,
    "threads": 4,
    "limits": {"max_body_bytes": 2048, "max_header_bytes": 4096, "read_timeout_ms": 1500,
               "ws_max_message_bytes": 512, "ws_send_queue_max": 8}
  })",
                                             {}, kHome));
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9000);
  EXPECT_EQ(c.data_dir, fs::path("/home/tester/dyn"));
  EXPECT_EQ(c.static_dir, fs::path("/srv/static"));
  EXPECT_FALSE(c.access_log);
  EXPECT_EQ(c.threads, 4);
  EXPECT_EQ(c.max_body_bytes, 2048u);
  EXPECT_EQ(c.max_header_bytes, 4096u);
  EXPECT_EQ(c.read_timeout_ms, 1500u);
  EXPECT_EQ(c.ws_max_message_bytes, 512u);
  EXPECT_EQ(c.ws_send_queue_max, 8u);
}

TEST(DaemonConfig, EmptyObjectGivesDefaults) {
  Config c = ok(dynemu::daemon::parse_config("{}", {}, kHome));
  EXPECT_EQ(c.listen_string(), "127.0.0.1:8080");
  EXPECT_EQ(c.data_dir, fs::path("/home/tester/.local/share/dynemu"));
  EXPECT_EQ(c.static_dir, fs::path("static"));
  EXPECT_TRUE(c.access_log);
}

TEST(DaemonConfig, ShippedDefaultFileIsValid) {
  auto r =
      dynemu::daemon::load_config(fs::path(DYNEMU_SOURCE_DIR) / "config/default.json", {}, kHome);
  Config c = ok(r);
  EXPECT_EQ(c.listen_string(), "127.0.0.1:8080");
  EXPECT_EQ(c.data_dir, fs::path("/home/tester/.local/share/dynemu"));
}

TEST(DaemonConfig, ListenForms) {
  EXPECT_EQ(ok(dynemu::daemon::parse_config(R"({"listen":"[::1]:81"})", {}, kHome)).listen_string(),
            "[::1]:81");
  Config local = ok(dynemu::daemon::parse_config(R"({"listen":"localhost:0"})", {}, kHome));
  EXPECT_EQ(local.listen_host, "127.0.0.1");
  EXPECT_EQ(local.listen_port, 0);
}

TEST(DaemonConfig, BadValuesNameTheirKey) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"listen":"abc"})", R"(config: "listen": expected HOST:PORT, got "abc")"},
      {R"({"listen":"127.0.0.1:99999"})",
       R"(config: "listen": expected HOST:PORT, got "127.0.0.1:99999")"},
      {R"({"listen":"example.com:80"})",
       R"(config: "listen": expected HOST:PORT, got "example.com:80")"},
      {R"({"listen":":80"})", R"(config: "listen": expected HOST:PORT, got ":80")"},
      {R"({"listen":8080})", R"(config: "listen": expected HOST:PORT, got 8080)"},
      {R"({"listen":null})", R"(config: "listen": expected HOST:PORT, got null)"},
      {R"({"data_dir":""})", R"(config: "data_dir": expected a directory path, got "")"},
      {R"({"data_dir":7})", R"(config: "data_dir": expected a directory path, got 7)"},
      {R"({"static_dir":[]})", R"(config: "static_dir": expected a directory path, got [])"},
      {R"({"access_log":"yes"})", R"(config: "access_log": expected true or false, got "yes")"},
      {R"({"threads":0})", R"(config: "threads": expected an integer from 1 to 64, got 0)"},
      {R"({"threads":2.5})", R"(config: "threads": expected an integer from 1 to 64, got 2.5)"},
      {R"({"limits":5})", R"(config: "limits": expected an object, got 5)"},
      {R"({"limits":{"max_body_bytes":-1}})",
       R"(config: "limits.max_body_bytes": expected an integer from 1 to 68719476736, got -1)"},
      {R"({"limits":{"read_timeout_ms":"1s"}})",
       R"(config: "limits.read_timeout_ms": expected an integer from 1 to 3600000, got "1s")"},
      {R"({"limits":{"ws_send_queue_max":0}})",
       R"(config: "limits.ws_send_queue_max": expected an integer from 1 to 1000000, got 0)"},
  };
  for (auto [text, message] : cases) EXPECT_EQ(error_of(text), message) << text;
}

TEST(DaemonConfig, UnknownKeysAreErrors) {
  EXPECT_EQ(error_of(R"({"lisen":"127.0.0.1:1"})"), R"(config: "lisen": unknown key)");
  EXPECT_EQ(error_of(R"({"limits":{"max_bodybytes":1}})"),
            R"(config: "limits.max_bodybytes": unknown key)");
}

TEST(DaemonConfig, DocumentMustBeAJsonObject) {
  EXPECT_EQ(error_of("[1]"), "config: expected a JSON object, got [1]");
  std::string bad = error_of("{\"listen\": }");
  EXPECT_EQ(bad.rfind("config: not valid JSON: ", 0), 0u) << bad;
  EXPECT_NE(bad.find("line 1"), std::string::npos) << bad;
  EXPECT_EQ(bad.find('\n'), std::string::npos);
}

TEST(DaemonConfig, FlagsOverrideTheFile) {
  ConfigOverrides o;
  o.listen = "127.0.0.1:0";
  o.data_dir = "/tmp/d";
  o.static_dir = "~/www";
  Config c = ok(dynemu::daemon::parse_config(
      R"({"listen":"0.0.0.0:80","data_dir":"/var/x","static_dir":"s"})", o, kHome));
  EXPECT_EQ(c.listen_string(), "127.0.0.1:0");
  EXPECT_EQ(c.data_dir, fs::path("/tmp/d"));
  EXPECT_EQ(c.static_dir, fs::path("/home/tester/www"));
}

TEST(DaemonConfig, BadFlagValueNamesTheFlag) {
  ConfigOverrides o;
  o.listen = "nonsense";
  EXPECT_EQ(error_of("{}", o), R"(--listen: expected HOST:PORT, got "nonsense")");
  ConfigOverrides d;
  d.data_dir = "";
  EXPECT_EQ(error_of("{}", d), R"(--data-dir: expected a directory path, got "")");
}

TEST(DaemonConfig, FlagDoesNotHideABadFileValue) {
  ConfigOverrides o;
  o.listen = "127.0.0.1:1";
  EXPECT_EQ(error_of(R"({"listen":"bad"})", o),
            R"(config: "listen": expected HOST:PORT, got "bad")");
}

TEST(DaemonConfig, MissingFileIsOneLine) {
  auto r = dynemu::daemon::load_config("/nonexistent/dynemu.json", {}, kHome);
  ASSERT_TRUE(std::holds_alternative<ConfigError>(r));
  EXPECT_EQ(std::get<ConfigError>(r).message,
            "config: cannot read /nonexistent/dynemu.json: No such file or directory");
}

TEST(DaemonConfig, NoHomeNoTilde) {
  ConfigResult r = dynemu::daemon::parse_config(R"({"data_dir":"~/x"})", {}, "");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(r));
  EXPECT_EQ(std::get<ConfigError>(r).message,
            R"(config: "data_dir": cannot expand "~": HOME is not set)");
}

TEST(DaemonConfig, PrepareCreatesDataDirAndChecksStaticDir) {
  fs::path base = fs::temp_directory_path() / ("daemon_config_test_" + std::to_string(::getpid()));
  fs::remove_all(base);
  fs::create_directories(base / "static");
  Config c;
  c.data_dir = base / "data" / "nested";
  c.static_dir = base / "static";
  EXPECT_FALSE(dynemu::daemon::prepare_directories(c));
  EXPECT_TRUE(fs::is_directory(c.data_dir));

  c.static_dir = base / "missing";
  auto err = dynemu::daemon::prepare_directories(c);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message.rfind("config: \"static_dir\": ", 0), 0u) << err->message;

  std::ofstream(base / "file") << "x";
  c.static_dir = base / "static";
  c.data_dir = base / "file" / "sub";
  err = dynemu::daemon::prepare_directories(c);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message.rfind("config: \"data_dir\": cannot create ", 0), 0u) << err->message;
  fs::remove_all(base);
}

}  // namespace
