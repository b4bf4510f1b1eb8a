// The listener, timers and shutdown of web::Server. Asio only: the HTTP and
// WebSocket sessions (Beast) live in sessions.cpp.
#include "web/server.h"

#include <csignal>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "web/detail/transport.h"

namespace web {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace detail {

std::uint64_t Shared::add(std::weak_ptr<Closable> session) {
  std::lock_guard lock(m_mutex);
  if (stopping) return 0;
  std::uint64_t id = m_next_id++;
  m_sessions.emplace(id, std::move(session));
  return id;
}

void Shared::remove(std::uint64_t id) {
  std::lock_guard lock(m_mutex);
  m_sessions.erase(id);
}

void Shared::shutdown_all() {
  std::vector<std::shared_ptr<Closable>> live;
  {
    std::lock_guard lock(m_mutex);
    stopping = true;
    for (auto& [id, weak] : m_sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->shutdown();
}

}  // namespace detail

struct Server::Impl {
  Impl(Router router, ServerOptions options)
      : shared(std::make_shared<detail::Shared>(std::move(router), std::move(options))),
        io(std::max(1, shared->options.threads)),
        strand(asio::make_strand(io)),
        acceptor(strand) {}

  struct Ticker {
    Ticker(asio::strand<asio::io_context::executor_type>& s, std::chrono::milliseconds p,
           std::function<void()> t)
        : timer(s), period(p), tick(std::move(t)) {}
    asio::steady_timer timer;
    std::chrono::milliseconds period;
    std::function<void()> tick;
  };

  void do_accept() {
    // Each connection gets its own strand: its handlers never run concurrently.
    acceptor.async_accept(asio::make_strand(io),
                          [this](boost::system::error_code ec, tcp::socket socket) {
                            if (ec) {
                              if (!acceptor.is_open()) return;  // closed by stop()
                            } else {
                              detail::start_http_session(std::move(socket), shared);
                            }
                            do_accept();
                          });
  }

  void schedule(Ticker* t) {
    t->timer.expires_after(t->period);
    t->timer.async_wait([this, t](boost::system::error_code ec) {
      if (ec || stopped) return;
      t->tick();
      schedule(t);
    });
  }

  // Runs on the strand.
  void do_stop() {
    if (stopped) return;
    stopped = true;
    boost::system::error_code ec;
    acceptor.close(ec);
    for (auto& t : tickers) t->timer.cancel();
    if (signals) signals->cancel(ec);
    shared->shutdown_all();
  }

  // Declared first so it is destroyed last: handlers still queued in the
  // I/O context hold sessions that point into it.
  std::shared_ptr<detail::Shared> shared;
  asio::io_context io;
  asio::strand<asio::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  std::vector<std::unique_ptr<Ticker>> tickers;
  std::optional<asio::signal_set> signals;
  bool stopped = false;  // strand only
  std::uint16_t port = 0;
};

Server::Server(Router router, ServerOptions options)
    : m_impl(std::make_unique<Impl>(std::move(router), std::move(options))) {}

Server::~Server() = default;

std::optional<Error> Server::listen(std::string_view host, std::uint16_t port) {
  std::string where = "listen " + std::string(host) + ":" + std::to_string(port);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(std::string(host), ec);
  if (ec) return Error{where + ": not an IP address"};
  tcp::endpoint endpoint(address, port);
  tcp::acceptor& acceptor = m_impl->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return Error{where + ": " + ec.message()};
  }
  m_impl->port = acceptor.local_endpoint(ec).port();
  asio::post(m_impl->strand, [impl = m_impl.get()] { impl->do_accept(); });
  return std::nullopt;
}

std::uint16_t Server::port() const {
  return m_impl->port;
}

void Server::every(std::chrono::milliseconds period, std::function<void()> tick) {
  auto ticker = std::make_unique<Impl::Ticker>(m_impl->strand, period, std::move(tick));
  Impl::Ticker* t = ticker.get();
  asio::post(m_impl->strand, [impl = m_impl.get(), t, owned = std::move(ticker)]() mutable {
    if (impl->stopped) return;
    impl->tickers.push_back(std::move(owned));
    impl->schedule(t);
  });
}

void Server::stop_on_signals() {
  m_impl->signals.emplace(m_impl->strand, SIGINT, SIGTERM);
  m_impl->signals->async_wait([impl = m_impl.get()](boost::system::error_code ec, int) {
    if (!ec) impl->do_stop();
  });
}

void Server::run() {
  int extra = std::max(1, m_impl->shared->options.threads) - 1;
  std::vector<std::thread> threads;
  threads.reserve(extra);
  for (int i = 0; i < extra; ++i) threads.emplace_back([this] { m_impl->io.run(); });
  m_impl->io.run();
  for (auto& t : threads) t.join();
}

void Server::stop() {
  asio::post(m_impl->strand, [impl = m_impl.get()] { impl->do_stop(); });
}

}  // namespace web
