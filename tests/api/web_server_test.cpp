// web::Server over a real socket: routing, error bodies, limits, static
// files, WebSocket round trips and graceful shutdown.
#include "web/server.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "tests/api/socket_client.h"
#include "web/static_files.h"

namespace {

namespace fs = std::filesystem;
using apitest::Connection;
using apitest::http_request;

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

class WebServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() /
            ("web_server_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(m_dir);
    fs::path root = m_dir / "www";
    write_file(root / "index.html", "<!doctype html><title>root</title>");
    write_file(root / "style.css", "body{}");
    write_file(root / "app.js", "export {};");
    write_file(root / "data.json", "{}");
    write_file(root / "logo.svg", "<svg/>");
    write_file(root / "blob.bin", std::string("\0\1\2", 3));
    write_file(root / "sub" / "index.html", "sub index");
    write_file(m_dir / "secret.txt", "outside the root");
    fs::create_symlink(m_dir / "secret.txt", root / "escape.txt");

    web::Router router;
    router.add("GET", "/hello",
               [](const web::Request&) { return web::Response::text(200, "hello", "text/plain"); });
    router.add("POST", "/echo", [](const web::Request& r) {
      return web::Response::text(200, r.body, "application/octet-stream");
    });
    router.add("GET", "/items/{id}", [](const web::Request& r) {
      return web::Response::json(200, "{\"id\":\"" + std::string(r.param("id")) + "\"}");
    });
    router.add("GET", "/throws",
               [](const web::Request&) -> web::Response { throw std::runtime_error("boom"); });
    web::WebSocketHandler echo;
    echo.on_open = [](const web::WebSocketPtr& ws) {
      ws->send_text("hello " + ws->request().path);
    };
    echo.on_message = [](const web::WebSocketPtr& ws, std::string_view data, bool binary) {
      if (binary) {
        ws->send_binary(std::string(data));
      } else {
        ws->send_text(std::string(data));
      }
    };
    router.add_websocket("/ws/echo", echo);
    auto files = std::make_shared<web::StaticFiles>(root);
    router.set_fallback([files](const web::Request& r) { return files->serve(r); });

    web::ServerOptions options;
    options.server_name = "web-test";
    options.threads = 2;
    options.limits.max_body_bytes = 1024;
    options.limits.max_header_bytes = 2048;
    options.limits.read_timeout = std::chrono::milliseconds(1000);
    options.limits.ws_max_message_bytes = 1024;
    options.access_log = [this](const web::AccessLogEntry& e) {
      std::lock_guard lock(m_log_mutex);
      m_log.push_back(std::string(e.method) + " " + std::string(e.path) + " " +
                      std::to_string(e.status) + " " + std::to_string(e.bytes));
    };
    m_server = std::make_unique<web::Server>(std::move(router), std::move(options));
    auto err = m_server->listen("127.0.0.1", 0);
    ASSERT_FALSE(err) << err->message;
    ASSERT_NE(m_server->port(), 0);
    m_thread = std::thread([this] { m_server->run(); });
  }

  void TearDown() override {
    if (m_thread.joinable()) {
      m_server->stop();
      m_thread.join();
    }
    m_server.reset();
    fs::remove_all(m_dir);
  }

  std::uint16_t port() const { return m_server->port(); }

  std::vector<std::string> log_lines() {
    std::lock_guard lock(m_log_mutex);
    return m_log;
  }

  fs::path m_dir;
  std::unique_ptr<web::Server> m_server;
  std::thread m_thread;
  std::mutex m_log_mutex;
  std::vector<std::string> m_log;
};

TEST_F(WebServerTest, RoutesByMethodAndPath) {
  auto r = http_request(port(), "GET", "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->header("content-type"), "text/plain");
  EXPECT_EQ(r->header("server"), "web-test");
}

TEST_F(WebServerTest, PathParameters) {
  auto r = http_request(port(), "GET", "/items/42?x=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"id\":\"42\"}");
}

TEST_F(WebServerTest, UnknownRouteIs404Json) {
  auto r = http_request(port(), "GET", "/no/such/thing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->body.rfind("{\"error\":\"", 0), 0u) << r->body;
}

TEST_F(WebServerTest, WrongMethodIs405WithAllow) {
  auto r = http_request(port(), "DELETE", "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET, HEAD");
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_NE(r->body.find("\"error\""), std::string::npos);

  auto post = http_request(port(), "GET", "/echo");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->header("allow"), "POST");
}

TEST_F(WebServerTest, HeadAnswersWithoutBody) {
  Connection c(port());
  auto r = c.request("HEAD", "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "5");
  // The connection stays usable: no stray body bytes precede the next answer.
  auto next = c.request("GET", "/hello");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "hello");
}

TEST_F(WebServerTest, KeepAliveServesSeveralRequests) {
  Connection c(port());
  for (int i = 0; i < 3; ++i) {
    auto r = c.request("POST", "/echo", "round " + std::to_string(i));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "round " + std::to_string(i));
  }
}

TEST_F(WebServerTest, BodyWithinLimitIsAccepted) {
  std::string body(1024, 'x');
  auto r = http_request(port(), "POST", "/echo", body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, body);
}

TEST_F(WebServerTest, BodyOverLimitIs413AndCloses) {
  Connection c(port());
  // Announce a large body but send only a part: the server must answer from
  // the header alone.
  ASSERT_TRUE(c.send_all("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
                         std::string(100, 'x')));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_NE(r->body.find("1024"), std::string::npos) << r->body;
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(WebServerTest, HeadersOverLimitAre431) {
  Connection c(port());
  ASSERT_TRUE(c.send_all("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'y') +
                         "\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
}

TEST_F(WebServerTest, MalformedRequestIs400) {
  Connection c(port());
  ASSERT_TRUE(c.send_all("G\x01T / HTTP/1.1\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("\"error\""), std::string::npos);
}

TEST_F(WebServerTest, IdleConnectionIsClosedAfterReadTimeout) {
  Connection c(port());
  ASSERT_TRUE(c.send_all("GET /hello HTTP/1.1\r\n"));  // never finished
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(WebServerTest, DotDotIsRefused) {
  for (const char* target : {"/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt",
                             "/sub/%2E%2E/%2e%2e/secret.txt", "/.."}) {
    auto r = http_request(port(), "GET", target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 400) << target;
    EXPECT_EQ(r->body, "{\"error\":\"path must not contain '..'\"}") << target;
  }
}

TEST_F(WebServerTest, SymlinkOutOfRootIs404) {
  auto r = http_request(port(), "GET", "/escape.txt");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body.find("outside the root"), std::string::npos);
}

TEST_F(WebServerTest, EncodedNulIs400) {
  auto r = http_request(port(), "GET", "/index.html%00.txt");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST_F(WebServerTest, StaticFilesCarryMimeTypes) {
  const std::pair<const char*, const char*> cases[] = {
      {"/", "text/html; charset=utf-8"},         {"/index.html", "text/html; charset=utf-8"},
      {"/style.css", "text/css; charset=utf-8"}, {"/app.js", "text/javascript; charset=utf-8"},
      {"/data.json", "application/json"},        {"/logo.svg", "image/svg+xml"},
      {"/blob.bin", "application/octet-stream"},
  };
  for (auto [target, type] : cases) {
    auto r = http_request(port(), "GET", target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 200) << target;
    EXPECT_EQ(r->header("content-type"), type) << target;
  }
  auto sub = http_request(port(), "GET", "/sub/");
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->body, "sub index");
  auto blob = http_request(port(), "GET", "/blob.bin");
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->body, std::string("\0\1\2", 3));
}

TEST_F(WebServerTest, StaticETagRevalidatesTo304) {
  auto first = http_request(port(), "GET", "/style.css");
  ASSERT_TRUE(first);
  std::string etag = first->header("etag");
  ASSERT_FALSE(etag.empty());
  auto again = http_request(port(), "GET", "/style.css", {}, "If-None-Match: " + etag + "\r\n");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
}

TEST_F(WebServerTest, StaticFilesRefuseWrites) {
  auto r = http_request(port(), "PUT", "/style.css", "x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET, HEAD");
}

TEST_F(WebServerTest, HandlerExceptionIs500Json) {
  auto r = http_request(port(), "GET", "/throws");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, "{\"error\":\"internal error: boom\"}");
}

TEST_F(WebServerTest, AccessLogHasOneLinePerRequest) {
  ASSERT_TRUE(http_request(port(), "GET", "/hello"));
  ASSERT_TRUE(http_request(port(), "GET", "/missing"));
  // The line is written after the response, so wait for the connection's
  // end rather than for a time.
  for (int i = 0; i < 1000 && log_lines().size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto lines = log_lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "GET /hello 200 5"), lines.end());
}

TEST_F(WebServerTest, WebSocketRoundTrip) {
  Connection c(port());
  auto hs = c.ws_handshake("/ws/echo");
  ASSERT_TRUE(hs);
  ASSERT_EQ(hs->status, 101);
  // RFC 6455's example key has this well-known accept value.
  EXPECT_EQ(hs->header("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

  auto greeting = c.ws_read();
  ASSERT_TRUE(greeting);
  EXPECT_EQ(greeting->opcode, 1);
  EXPECT_EQ(greeting->payload, "hello /ws/echo");

  ASSERT_TRUE(c.ws_send(1, "round trip"));
  auto text = c.ws_read();
  ASSERT_TRUE(text);
  EXPECT_EQ(text->opcode, 1);
  EXPECT_EQ(text->payload, "round trip");

  std::string bytes(300, '\xab');
  ASSERT_TRUE(c.ws_send(2, bytes));
  auto binary = c.ws_read();
  ASSERT_TRUE(binary);
  EXPECT_EQ(binary->opcode, 2);
  EXPECT_EQ(binary->payload, bytes);

  ASSERT_TRUE(c.ws_send(8, std::string("\x03\xe8", 2)));  // close, 1000
  auto close = c.ws_read();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, 8);
  EXPECT_EQ(close->close_code(), 1000);
}

TEST_F(WebServerTest, WebSocketMessageOverLimitCloses) {
  Connection c(port());
  auto hs = c.ws_handshake("/ws/echo");
  ASSERT_TRUE(hs && hs->status == 101);
  ASSERT_TRUE(c.ws_read());  // greeting
  ASSERT_TRUE(c.ws_send(1, std::string(2000, 'z')));
  auto frame = c.ws_read();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, 8);
  EXPECT_EQ(frame->close_code(), 1009);  // message too big
}

TEST_F(WebServerTest, WebSocketOnUnknownPathIs404) {
  Connection c(port());
  auto hs = c.ws_handshake("/ws/nope");
  ASSERT_TRUE(hs);
  EXPECT_EQ(hs->status, 404);
}

TEST_F(WebServerTest, WebSocketPathWithoutUpgradeIs426) {
  auto r = http_request(port(), "GET", "/ws/echo");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 426);
  auto post = http_request(port(), "POST", "/ws/echo");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->header("allow"), "GET");
}

TEST_F(WebServerTest, StopClosesWebSocketsAndEndsRun) {
  Connection ws(port());
  auto hs = ws.ws_handshake("/ws/echo");
  ASSERT_TRUE(hs && hs->status == 101);
  ASSERT_TRUE(ws.ws_read());
  Connection idle(port());
  ASSERT_TRUE(idle.request("GET", "/hello"));  // kept alive, now waiting

  m_server->stop();
  auto frame = ws.ws_read();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, 8);
  EXPECT_EQ(frame->close_code(), 1001);  // going away
  ASSERT_TRUE(ws.ws_send(8, std::string("\x03\xe9", 2)));
  ws.close();  // as a browser does once the close handshake is done
  EXPECT_TRUE(idle.wait_closed());
  m_thread.join();  // run() returns once every session is gone

  Connection late(port(), 1000);
  EXPECT_FALSE(late.ok() && late.request("GET", "/hello"));
}

TEST(WebServerListen, BadAddressIsAnError) {
  web::Server server(web::Router{}, web::ServerOptions{});
  auto err = server.listen("not-an-ip", 0);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("not-an-ip"), std::string::npos);
}

TEST(WebServerListen, PortInUseIsAnError) {
  web::Server first(web::Router{}, web::ServerOptions{});
  ASSERT_FALSE(first.listen("127.0.0.1", 0));
  web::Server second(web::Router{}, web::ServerOptions{});
  auto err = second.listen("127.0.0.1", first.port());
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("127.0.0.1:" + std::to_string(first.port())), std::string::npos);
}

}  // namespace
