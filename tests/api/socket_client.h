#pragma once

// A deliberately independent HTTP/1.1 and WebSocket client over plain POSIX
// sockets, so the API tests check the server against the wire format and
// not against Beast talking to itself. Every read has a timeout, so a
// broken server fails a test instead of hanging it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace apitest {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& lower_name) const;
};

struct WsFrame {
  int opcode = 0;  // 1 text, 2 binary, 8 close, 9 ping, 10 pong
  std::string payload;
  int close_code() const;  // for close frames, else -1
};

class Connection {
 public:
  // Connects to 127.0.0.1:port; check ok().
  explicit Connection(std::uint16_t port, int timeout_ms = 10000);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool ok() const { return m_fd >= 0; }
  void close();
  bool send_all(std::string_view data);

  // Reads one response; `head` when it answers a HEAD request (no body).
  std::optional<HttpResponse> read_response(bool head = false);
  std::optional<HttpResponse> request(std::string_view method, std::string_view target,
                                      std::string_view body = {},
                                      std::string_view extra_headers = {});

  // True when the peer closes the connection (EOF or reset) before the
  // timeout; any bytes received before that are discarded.
  bool wait_closed();

  // WebSocket client side: handshake, masked frames out, frames in.
  std::optional<HttpResponse> ws_handshake(std::string_view target);
  bool ws_send(int opcode, std::string_view payload);
  std::optional<WsFrame> ws_read();

 private:
  bool fill();  // reads more bytes into m_buf; false on EOF/error/timeout
  std::optional<std::string> read_line();
  std::optional<std::string> read_exact(std::size_t n);

  int m_fd = -1;
  std::string m_buf;
};

// One request on a fresh connection.
std::optional<HttpResponse> http_request(std::uint16_t port, std::string_view method,
                                         std::string_view target, std::string_view body = {},
                                         std::string_view extra_headers = {});

}  // namespace apitest
