#include "tests/api/socket_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace apitest {

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

int WsFrame::close_code() const {
  if (opcode != 8 || payload.size() < 2) return -1;
  return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
}

Connection::Connection(std::uint16_t port, int timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return;
  }
  m_fd = fd;
}

Connection::~Connection() {
  close();
}

void Connection::close() {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
}

bool Connection::send_all(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(m_fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool Connection::fill() {
  char chunk[16384];
  for (;;) {
    ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    m_buf.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

std::optional<std::string> Connection::read_line() {
  for (;;) {
    std::size_t eol = m_buf.find("\r\n");
    if (eol != std::string::npos) {
      std::string line = m_buf.substr(0, eol);
      m_buf.erase(0, eol + 2);
      return line;
    }
    if (!fill()) return std::nullopt;
  }
}

std::optional<std::string> Connection::read_exact(std::size_t n) {
  while (m_buf.size() < n) {
    if (!fill()) return std::nullopt;
  }
  std::string out = m_buf.substr(0, n);
  m_buf.erase(0, n);
  return out;
}

std::optional<HttpResponse> Connection::read_response(bool head) {
  auto status_line = read_line();
  if (!status_line || status_line->rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
  HttpResponse r;
  r.status = std::atoi(status_line->c_str() + 9);
  for (;;) {
    auto line = read_line();
    if (!line) return std::nullopt;
    if (line->empty()) break;
    std::size_t colon = line->find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string name = line->substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string value = line->substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers[name] = value;
  }
  bool no_body = head || r.status == 101 || r.status == 204 || r.status == 304;
  if (!no_body && r.headers.count("content-length")) {
    auto body = read_exact(std::stoul(r.headers["content-length"]));
    if (!body) return std::nullopt;
    r.body = std::move(*body);
  }
  return r;
}

std::optional<HttpResponse> Connection::request(std::string_view method, std::string_view target,
                                                std::string_view body,
                                                std::string_view extra_headers) {
  std::string req = std::string(method) + " " + std::string(target) +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(extra_headers);
  if (!body.empty() || method == "POST" || method == "PUT")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n";
  req += body;
  if (!send_all(req)) return std::nullopt;
  return read_response(method == "HEAD");
}

bool Connection::wait_closed() {
  for (;;) {
    char chunk[4096];
    ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == ECONNRESET;  // EAGAIN: the timeout passed, still open
    }
  }
}

std::optional<HttpResponse> Connection::ws_handshake(std::string_view target) {
  std::string req = "GET " + std::string(target) +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n";
  if (!send_all(req)) return std::nullopt;
  return read_response();
}

bool Connection::ws_send(int opcode, std::string_view payload) {
  std::string frame;
  frame += static_cast<char>(0x80 | opcode);
  std::size_t n = payload.size();
  if (n < 126) {
    frame += static_cast<char>(0x80 | n);
  } else if (n < 65536) {
    frame += static_cast<char>(0x80 | 126);
    frame += static_cast<char>(n >> 8);
    frame += static_cast<char>(n & 0xff);
  } else {
    frame += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>((n >> shift) & 0xff);
  }
  // Clients must mask (RFC 6455 5.3); the key's value does not matter.
  const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  frame.append(reinterpret_cast<const char*>(mask), 4);
  for (std::size_t i = 0; i < n; ++i) frame += static_cast<char>(payload[i] ^ mask[i % 4]);
  return send_all(frame);
}

std::optional<WsFrame> Connection::ws_read() {
  auto head = read_exact(2);
  if (!head) return std::nullopt;
  WsFrame f;
  f.opcode = static_cast<unsigned char>((*head)[0]) & 0x0f;
  bool masked = static_cast<unsigned char>((*head)[1]) & 0x80;
  std::uint64_t n = static_cast<unsigned char>((*head)[1]) & 0x7f;
  if (n == 126 || n == 127) {
    auto ext = read_exact(n == 126 ? 2 : 8);
    if (!ext) return std::nullopt;
    n = 0;
    for (unsigned char c : *ext) n = (n << 8) | c;
  }
  std::string mask;
  if (masked) {
    auto m = read_exact(4);
    if (!m) return std::nullopt;
    mask = *m;
  }
  auto payload = read_exact(n);
  if (!payload) return std::nullopt;
  if (masked) {
    for (std::size_t i = 0; i < payload->size(); ++i) (*payload)[i] ^= mask[i % 4];
  }
  f.payload = std::move(*payload);
  return f;
}

std::optional<HttpResponse> http_request(std::uint16_t port, std::string_view method,
                                         std::string_view target, std::string_view body,
                                         std::string_view extra_headers) {
  Connection c(port);
  if (!c.ok()) return std::nullopt;
  return c.request(method, target, body, extra_headers);
}

}  // namespace apitest
