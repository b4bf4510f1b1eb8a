#include "hw/char/stdio_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace dynemu::hw {

namespace {

// Writes everything, waiting when the descriptor is non-blocking and full
// (stdin and stdout may share one terminal file description, which we made
// non-blocking). Returns false on a hard error (reader gone).
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
  m_saved_flags = ::fcntl(m_in, F_GETFL);
  if (m_saved_flags < 0) {
    m_eof = true;  // no standard input at all
  } else {
    ::fcntl(m_in, F_SETFL, m_saved_flags | O_NONBLOCK);
  }
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
  if (m_saved_flags >= 0) ::fcntl(m_in, F_SETFL, m_saved_flags);
}

void StdioBackend::write(std::span<const uint8_t> bytes) {
  if (m_out_broken) return;
  if (!write_all(m_out, bytes.data(), bytes.size())) m_out_broken = true;
}

size_t StdioBackend::read(std::span<uint8_t> out) {
  if (m_eof || out.empty()) return 0;
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
