// HTTP and WebSocket sessions, after Beast's advanced server: each
// connection is a chain of do_x()/on_x() steps on its own strand, with
// explicit limits, and a WebSocket keeps one write in flight with a queue
// behind it. This is the only translation unit that includes Beast.
#include <array>
#include <chrono>
#include <deque>
#include <exception>
#include <optional>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "web/detail/transport.h"

namespace web::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// How long a WebSocket close handshake or opening handshake may take, and
// how long a connection with nothing to say stays up (pings keep live
// browsers well inside it).
constexpr std::chrono::seconds kWsHandshakeTimeout{10};
constexpr std::chrono::seconds kWsIdleTimeout{60};
// After an error response on a request whose body we did not read, keep
// draining for this long so closing does not reset the connection before
// the client has read the response.
constexpr std::chrono::seconds kLingerTimeout{2};

std::string remote_string(const tcp::socket& socket) {
  boost::system::error_code ec;
  tcp::endpoint ep = socket.remote_endpoint(ec);
  if (ec) return "?";
  std::string address = ep.address().to_string();
  if (ep.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(ep.port());
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void log_access(const Shared& shared, std::string_view remote, std::string_view method,
                std::string_view path, int status, std::size_t bytes, Clock::time_point start) {
  if (shared.options.access_log)
    shared.options.access_log(AccessLogEntry{remote, method, path, status, bytes, ms_since(start)});
}

// Fills a web::Request from a parsed Beast request; a response when the
// target is unusable.
std::optional<Response> to_request(http::request<http::string_body>& in, std::string remote,
                                   Request& out) {
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  std::string_view target = out.target;
  std::size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  out.remote = std::move(remote);
  for (const auto& field : in) out.headers.emplace_back(field.name_string(), field.value());
  out.body = std::move(in.body());
  if (raw_path.empty() || raw_path.front() != '/') {
    out.path = std::string(raw_path);
    return Response::error(400, "request target must be an absolute path");
  }
  std::optional<std::string> path = percent_decode(raw_path);
  if (!path) {
    out.path = std::string(raw_path);
    return Response::error(400, "malformed percent-encoding in path");
  }
  out.path = std::move(*path);
  if (has_dot_dot_segment(out.path)) return Response::error(400, "path must not contain '..'");
  return std::nullopt;
}

// ---------------------------------------------------------------------------

class WebSocketSession final : public WebSocketConnection,
                               public Closable,
                               public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(tcp::socket&& socket, std::shared_ptr<Shared> shared,
                   const WebSocketHandler& handler, Request request)
      : m_ws(std::move(socket)),
        m_shared(std::move(shared)),
        m_handler(handler),
        m_request(std::move(request)) {}

  ~WebSocketSession() override {
    if (m_id) m_shared->remove(m_id);
  }

  void run(http::request<http::string_body> upgrade) {
    m_id = m_shared->add(weak_from_this());
    if (!m_id) return;  // shutting down: dropping the last reference closes the socket
    beast::get_lowest_layer(m_ws).expires_never();
    websocket::stream_base::timeout timeout;
    timeout.handshake_timeout = kWsHandshakeTimeout;
    timeout.idle_timeout = kWsIdleTimeout;
    timeout.keep_alive_pings = true;
    m_ws.set_option(timeout);
    m_ws.read_message_max(m_shared->options.limits.ws_max_message_bytes);
    m_ws.set_option(websocket::stream_base::decorator(
        [name = m_shared->options.server_name](websocket::response_type& res) {
          res.set(http::field::server, name);
        }));
    m_start = Clock::now();
    m_ws.async_accept(upgrade,
                      beast::bind_front_handler(&WebSocketSession::on_accept, shared_from_this()));
  }

  bool send_text(std::string message) override { return enqueue(std::move(message), false); }
  bool send_binary(std::string message) override { return enqueue(std::move(message), true); }

  void close() override {
    asio::post(m_ws.get_executor(),
               [self = shared_from_this()] { self->do_close(websocket::close_code::normal); });
  }

  void shutdown() override {
    asio::post(m_ws.get_executor(),
               [self = shared_from_this()] { self->do_close(websocket::close_code::going_away); });
  }

  std::uint64_t id() const override { return m_id; }
  const Request& request() const override { return m_request; }

 private:
  void on_accept(beast::error_code ec) {
    log_access(*m_shared, m_request.remote, m_request.method, m_request.path, ec ? 400 : 101, 0,
               m_start);
    if (ec) return;
    m_open = true;
    if (m_handler.on_open) m_handler.on_open(shared_from_this());
    do_read();
  }

  void do_read() {
    m_ws.async_read(m_buffer,
                    beast::bind_front_handler(&WebSocketSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return finish();
    std::string data = beast::buffers_to_string(m_buffer.data());
    m_buffer.consume(m_buffer.size());
    if (m_handler.on_message) m_handler.on_message(shared_from_this(), data, m_ws.got_binary());
    do_read();
  }

  // The read loop ended: the peer closed, the socket failed or we closed it.
  void finish() {
    if (!m_open.exchange(false)) return;
    m_closing = true;
    if (m_handler.on_close) m_handler.on_close(shared_from_this());
  }

  bool enqueue(std::string message, bool binary) {
    if (!m_open) return false;
    // The queue holds the message in flight plus ws_send_queue_max behind it.
    std::size_t limit = m_shared->options.limits.ws_send_queue_max + 1;
    if (m_pending.fetch_add(1) >= limit) {
      --m_pending;
      return false;
    }
    asio::post(m_ws.get_executor(),
               [self = shared_from_this(), m = std::move(message), binary]() mutable {
                 if (self->m_closing) {
                   --self->m_pending;
                   return;
                 }
                 self->m_queue.emplace_back(std::move(m), binary);
                 if (self->m_queue.size() == 1) self->do_write();
               });
    return true;
  }

  void do_write() {
    m_ws.binary(m_queue.front().second);
    m_ws.async_write(asio::buffer(m_queue.front().first),
                     beast::bind_front_handler(&WebSocketSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    m_queue.pop_front();
    --m_pending;
    if (ec || m_closing) {
      m_pending -= m_queue.size();
      m_queue.clear();
      return;
    }
    if (!m_queue.empty()) do_write();
  }

  void do_close(websocket::close_code code) {
    if (m_closing || !m_ws.is_open()) {
      // Not open yet (handshake pending) or already closing: just drop the socket.
      if (!m_open) beast::get_lowest_layer(m_ws).close();
      return;
    }
    m_closing = true;
    m_ws.async_close(code, [self = shared_from_this()](beast::error_code) {});
  }

  websocket::stream<beast::tcp_stream> m_ws;
  std::shared_ptr<Shared> m_shared;
  const WebSocketHandler& m_handler;  // lives in the router, which Shared owns
  Request m_request;
  beast::flat_buffer m_buffer;
  std::deque<std::pair<std::string, bool>> m_queue;  // strand only; front is in flight
  std::atomic<std::size_t> m_pending{0};             // queued or posted, any thread
  std::atomic<bool> m_open{false};
  bool m_closing = false;  // strand only
  std::uint64_t m_id = 0;
  Clock::time_point m_start;
};

// ---------------------------------------------------------------------------

class HttpSession final : public Closable, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, std::shared_ptr<Shared> shared)
      : m_stream(std::move(socket)), m_shared(std::move(shared)) {
    m_remote = remote_string(m_stream.socket());
  }

  ~HttpSession() override {
    if (m_id) m_shared->remove(m_id);
  }

  void run() {
    m_id = m_shared->add(weak_from_this());
    if (!m_id) return;
    asio::dispatch(m_stream.get_executor(),
                   beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
  }

  void shutdown() override {
    asio::post(m_stream.get_executor(), [self = shared_from_this()] {
      // Waiting for a request: close now. Busy with one: on_write closes
      // after the response because Shared::stopping is set.
      if (self->m_reading) {
        beast::error_code ec;
        self->m_stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->m_stream.close();
      }
    });
  }

 private:
  void do_read() {
    if (m_shared->stopping) return do_close();
    const Limits& limits = m_shared->options.limits;
    m_parser.emplace();
    m_parser->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    m_parser->body_limit(limits.max_body_bytes);
    m_stream.expires_after(limits.read_timeout);
    m_reading = true;
    http::async_read(m_stream, m_buffer, *m_parser,
                     beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    m_reading = false;
    m_start = Clock::now();
    if (ec == http::error::end_of_stream) return do_close();
    if (ec == http::error::body_limit) {
      return send_error(413, "request body exceeds " +
                                 std::to_string(m_shared->options.limits.max_body_bytes) +
                                 " bytes");
    }
    if (ec == http::error::header_limit) return send_error(431, "request headers too large");
    // Any other Beast parse error (bad method, bad target, bad chunk, ...).
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return send_error(400, "malformed request: " + ec.message());
    }
    if (ec) return;  // timeout, reset or shutdown: nothing to answer

    http::request<http::string_body>& in = m_parser->get();
    bool keep_alive = in.keep_alive();
    Request request;
    std::optional<Response> refused = to_request(in, m_remote, request);

    if (!refused && websocket::is_upgrade(in)) {
      if (const WebSocketHandler* handler = m_shared->router.find_websocket(request)) {
        // The connection becomes a WebSocket session; this session ends here.
        std::make_shared<WebSocketSession>(m_stream.release_socket(), m_shared, *handler,
                                           std::move(request))
            ->run(m_parser->release());
        return;
      }
      refused = Response::error(404, "no WebSocket endpoint at " + request.path);
    }

    Response response;
    if (refused) {
      response = std::move(*refused);
    } else {
      try {
        response = m_shared->router.dispatch(request);
      } catch (const std::exception& e) {
        response = Response::error(500, std::string("internal error: ") + e.what());
      }
    }
    write(std::move(response), request.method, request.path, keep_alive);
  }

  // An error found while reading: answer and close, since the rest of the
  // request was not read.
  void send_error(int status, std::string message) {
    std::string method = "-";
    std::string path = "-";
    if (m_parser && m_parser->is_header_done()) {
      method = std::string(m_parser->get().method_string());
      path = std::string(m_parser->get().target());
      path = path.substr(0, path.find('?'));
    }
    m_linger = true;
    write(Response::error(status, message), method, path, false);
  }

  void write(Response response, std::string method, std::string path, bool keep_alive) {
    m_log_method = std::move(method);
    m_log_path = std::move(path);
    m_log_status = response.status;

    auto& res = m_response.emplace(static_cast<http::status>(response.status), 11);
    res.set(http::field::server, m_shared->options.server_name);
    bool no_body = response.status == 204 || response.status == 304 ||
                   (response.status >= 100 && response.status < 200);
    if (!response.content_type.empty() && !no_body)
      res.set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) res.insert(name, value);
    if (!no_body) {
      res.content_length(response.body.size());
      if (m_log_method != "HEAD") res.body() = std::move(response.body);
    }
    m_log_bytes = res.body().size();  // what is sent: nothing for HEAD
    res.keep_alive(keep_alive && !m_shared->stopping && !m_linger);
    m_stream.expires_after(m_shared->options.limits.read_timeout);
    http::async_write(m_stream, res,
                      beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    log_access(*m_shared, m_remote, m_log_method, m_log_path, m_log_status, m_log_bytes, m_start);
    if (ec) return;
    bool keep_alive = m_response->keep_alive();
    m_response.reset();
    if (m_linger) return do_linger();
    if (!keep_alive) return do_close();
    do_read();
  }

  void do_close() {
    beast::error_code ec;
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // Half-close, then read and discard until the peer closes or the linger
  // timeout passes, so the peer sees our response rather than a reset.
  void do_linger() {
    do_close();
    m_stream.expires_after(kLingerTimeout);
    m_stream.async_read_some(asio::buffer(m_drain),
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               if (!ec) self->do_linger_read();
                             });
  }
  void do_linger_read() {
    m_stream.async_read_some(asio::buffer(m_drain),
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               if (!ec) self->do_linger_read();
                             });
  }

  beast::tcp_stream m_stream;
  std::shared_ptr<Shared> m_shared;
  beast::flat_buffer m_buffer;
  std::optional<http::request_parser<http::string_body>> m_parser;
  std::optional<http::response<http::string_body>> m_response;
  std::string m_remote;
  std::uint64_t m_id = 0;
  bool m_reading = false;
  bool m_linger = false;
  Clock::time_point m_start;
  std::string m_log_method;
  std::string m_log_path;
  int m_log_status = 0;
  std::size_t m_log_bytes = 0;
  std::array<char, 4096> m_drain;
};

}  // namespace

void start_http_session(tcp::socket socket, std::shared_ptr<Shared> shared) {
  std::make_shared<HttpSession>(std::move(socket), std::move(shared))->run();
}

}  // namespace web::detail
