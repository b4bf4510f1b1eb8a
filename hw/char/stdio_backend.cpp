#include "hw/char/stdio_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace dynemu::hw {

namespace {

// Writes everything, waiting if the descriptor happens to be non-blocking
// and full. Returns false on a hard error (reader gone).
bool write_all(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w > 0) {
      p += w;
      n -= static_cast<size_t>(w);
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{fd, POLLOUT, 0};
      ::poll(&pfd, 1, -1);
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

StdioBackend::StdioBackend(int in_fd, int out_fd) : m_in(in_fd), m_out(out_fd) {
  // Input is polled before each read instead of made O_NONBLOCK: the flag
  // would belong to the whole open file description, which a terminal
  // shares with stdout and stderr, and their writers would start failing.
  if (m_in < 0 || ::fcntl(m_in, F_GETFL) < 0) m_eof = true;  // no standard input at all
  if (::isatty(m_in) && ::tcgetattr(m_in, &m_saved_tty) == 0) {
    m_tty = true;
    termios raw = m_saved_tty;
    raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_oflag |= OPOST;
    raw.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    raw.c_cflag &= ~(CSIZE | PARENB);
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    ::tcsetattr(m_in, TCSANOW, &raw);
  }
}

StdioBackend::~StdioBackend() {
  if (m_tty) ::tcsetattr(m_in, TCSANOW, &m_saved_tty);
}

void StdioBackend::write(std::span<const uint8_t> bytes) {
  if (m_out_broken) return;
  if (!write_all(m_out, bytes.data(), bytes.size())) m_out_broken = true;
}

size_t StdioBackend::read(std::span<uint8_t> out) {
  if (m_eof || out.empty()) return 0;
  pollfd pfd{m_in, POLLIN, 0};
  if (::poll(&pfd, 1, 0) <= 0) return 0;  // nothing to read now (or EOF not yet seen)
  for (;;) {
    const ssize_t n = ::read(m_in, out.data(), out.size());
    if (n > 0) return static_cast<size_t>(n);
    if (n == 0) {
      m_eof = true;
      return 0;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) m_eof = true;
    return 0;
  }
}

}  // namespace dynemu::hw
