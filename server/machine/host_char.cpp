#include "server/machine/host_char.h"

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dynemu::machine {

namespace {

// The terminal settings to put back when the process ends, also from a
// signal handler: process-wide because the terminal and signal handlers are.
struct termios g_saved_tty;
volatile sig_atomic_t g_tty_saved = 0;

void restore_tty() {
  if (g_tty_saved) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_tty);
}

void restore_tty_and_die(int sig) {
  restore_tty();
  signal(sig, SIG_DFL);
  raise(sig);
}

// -serial stdio on a terminal: keys go to the guest as typed (no line
// editing, no echo, Enter sends CR as a serial terminal does); Ctrl-C
// still ends the emulator, as QEMU's default.
void make_tty_raw() {
  if (tcgetattr(STDIN_FILENO, &g_saved_tty) != 0) return;
  struct termios raw = g_saved_tty;
  raw.c_iflag &= ~(ICRNL | INLCR | IGNCR | IXON);
  raw.c_lflag &= ~(ICANON | ECHO | ECHONL | IEXTEN);
  raw.c_oflag &= ~OPOST;
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  g_tty_saved = 1;
  std::atexit(restore_tty);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) signal(sig, restore_tty_and_die);
  tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

}  // namespace

Result<std::unique_ptr<HostChar>> HostChar::open(const char* what, const CharSpec& spec) {
  std::unique_ptr<HostChar> c(new HostChar);
  switch (spec.kind) {
    case CharSpec::Kind::Null: break;
    case CharSpec::Kind::Stdio:
      c->m_out_fd = STDOUT_FILENO;
      c->m_in_fd = STDIN_FILENO;
      if (isatty(STDIN_FILENO) && !g_tty_saved) {
        make_tty_raw();
        c->m_raw_tty = true;
      }
      break;
    case CharSpec::Kind::File:
      c->m_out_fd = ::open(spec.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (c->m_out_fd < 0)
        return Error{std::string(what) + " file:" + spec.path + ": " + std::strerror(errno)};
      c->m_own_out = true;
      break;
  }
  return c;
}

HostChar::~HostChar() {
  flush();
  if (m_own_out) ::close(m_out_fd);
  if (m_raw_tty) restore_tty();
}

void HostChar::write(uint8_t byte) {
  if (m_out_fd < 0) return;
  m_buf.push_back(byte);
  if (byte == '\n' || m_buf.size() >= 4096) flush();
}

void HostChar::flush() {
  size_t done = 0;
  while (done < m_buf.size()) {
    const ssize_t n = ::write(m_out_fd, m_buf.data() + done, m_buf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // a closed pipe or a full disk: the guest's output is lost, not the machine
    done += size_t(n);
  }
  m_buf.clear();
}

size_t HostChar::read_input(uint8_t* buf, size_t len) {
  if (m_in_fd < 0) return 0;
  const ssize_t n = ::read(m_in_fd, buf, len);
  if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
    m_in_fd = -1;  // end of input: stop polling it
    return 0;
  }
  return n > 0 ? size_t(n) : 0;
}

}  // namespace dynemu::machine
