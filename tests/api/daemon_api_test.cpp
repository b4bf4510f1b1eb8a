// dynemud's application object in-process on an ephemeral port, over a real
// socket: the /api/v1 routes, JSON errors, the console page and the events
// WebSocket.
#include "server/daemon/daemon.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "generated/version.h"
#include "tests/api/socket_client.h"

namespace {

namespace fs = std::filesystem;
using apitest::Connection;
using apitest::http_request;
using json = nlohmann::json;

class DaemonApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_data = fs::temp_directory_path() / ("daemon_api_test_" + std::to_string(::getpid()));
    fs::create_directories(m_data);
    dynemu::daemon::Config config;
    config.listen_host = "127.0.0.1";
    config.listen_port = 0;
    config.data_dir = m_data;
    config.static_dir = fs::path(DYNEMU_SOURCE_DIR) / "static";
    config.threads = 2;
    config.max_body_bytes = 4096;
    m_daemon = std::make_unique<dynemu::daemon::Daemon>(config, [](std::string_view) {});
    auto err = m_daemon->start();
    ASSERT_FALSE(err) << *err;
    m_thread = std::thread([this] { m_daemon->run(); });
  }

  void TearDown() override {
    if (m_thread.joinable()) {
      m_daemon->stop();
      m_thread.join();
    }
    m_daemon.reset();
    fs::remove_all(m_data);
  }

  std::uint16_t port() const { return m_daemon->port(); }

  fs::path m_data;
  std::unique_ptr<dynemu::daemon::Daemon> m_daemon;
  std::thread m_thread;
};

TEST_F(DaemonApiTest, UrlNamesTheBoundPort) {
  EXPECT_EQ(m_daemon->url(), "http://127.0.0.1:" + std::to_string(port()) + "/");
}

TEST_F(DaemonApiTest, Health) {
  auto r = http_request(port(), "GET", "/api/v1/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/json");
  json body = json::parse(r->body);
  EXPECT_EQ(body["status"], "ok");
  ASSERT_TRUE(body["uptime_s"].is_number());
  EXPECT_GE(body["uptime_s"].get<double>(), 0.0);
}

TEST_F(DaemonApiTest, Version) {
  auto r = http_request(port(), "GET", "/api/v1/version");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  json body = json::parse(r->body);
  EXPECT_EQ(body["name"], "dynemu");
  EXPECT_EQ(body["version"], dynemu::kVersion);
}

TEST_F(DaemonApiTest, UnknownApiPathIsJson404NotThePage) {
  auto r = http_request(port(), "GET", "/api/v1/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  json body = json::parse(r->body);
  EXPECT_EQ(body["error"], "no such resource: /api/v1/nope");
}

TEST_F(DaemonApiTest, WrongMethodIs405) {
  auto r = http_request(port(), "POST", "/api/v1/version", "{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET, HEAD");
  EXPECT_TRUE(json::parse(r->body).contains("error"));
}

TEST_F(DaemonApiTest, ConfiguredBodyLimitApplies) {
  auto r = http_request(port(), "POST", "/api/v1/version", std::string(5000, 'x'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(DaemonApiTest, ServesTheConsolePage) {
  auto page = http_request(port(), "GET", "/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<title>dynemu"), std::string::npos);
  auto script = http_request(port(), "GET", "/app.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->header("content-type"), "text/javascript; charset=utf-8");
  auto css = http_request(port(), "GET", "/style.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->header("content-type"), "text/css; charset=utf-8");
  auto escape = http_request(port(), "GET", "/../config/default.json");
  ASSERT_TRUE(escape);
  EXPECT_EQ(escape->status, 400);
}

TEST_F(DaemonApiTest, EventsPushStatusAndAnswerPing) {
  Connection c(port());
  auto hs = c.ws_handshake("/api/v1/events");
  ASSERT_TRUE(hs);
  ASSERT_EQ(hs->status, 101);

  auto first = c.ws_read();
  ASSERT_TRUE(first);
  ASSERT_EQ(first->opcode, 1);
  json status = json::parse(first->payload);
  EXPECT_EQ(status["type"], "status");
  EXPECT_EQ(status["name"], "dynemu");
  EXPECT_EQ(status["version"], dynemu::kVersion);
  EXPECT_EQ(status["sessions"], 0);
  EXPECT_EQ(status["clients"], 1);
  EXPECT_TRUE(status["uptime_s"].is_number());
  EXPECT_EQ(status["time"].get<std::string>().size(), 20u);  // 2026-11-23T21:00:00Z

  ASSERT_TRUE(c.ws_send(1, R"({"type":"ping","id":7})"));
  // Status pushes may arrive in between; the pong must come.
  for (int i = 0; i < 10; ++i) {
    auto frame = c.ws_read();
    ASSERT_TRUE(frame);
    json msg = json::parse(frame->payload);
    if (msg["type"] == "status") continue;
    EXPECT_EQ(msg["type"], "pong");
    EXPECT_EQ(msg["id"], 7);
    break;
  }

  ASSERT_TRUE(c.ws_send(1, "not json"));
  for (int i = 0; i < 10; ++i) {
    auto frame = c.ws_read();
    ASSERT_TRUE(frame);
    json msg = json::parse(frame->payload);
    if (msg["type"] == "status") continue;
    EXPECT_EQ(msg["type"], "error");
    break;
  }
}

TEST_F(DaemonApiTest, EventsArrivePeriodically) {
  Connection c(port());
  auto hs = c.ws_handshake("/api/v1/events");
  ASSERT_TRUE(hs && hs->status == 101);
  // The connect-time push and then the once-a-second broadcast.
  for (int i = 0; i < 2; ++i) {
    auto frame = c.ws_read();
    ASSERT_TRUE(frame) << "status message " << i;
    EXPECT_EQ(json::parse(frame->payload)["type"], "status");
  }
}

}  // namespace
