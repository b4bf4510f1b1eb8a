#pragma once

// "-serial stdio": guest output to standard output, standard input to the
// guest. Input is polled, never waited for; it works with pipes (tests
// drive the guest console through one) and terminals.
// On a terminal, input is switched to raw bytes without echo (Ctrl-C still
// interrupts the emulator, as with QEMU's default), restored on destruction.

#include <termios.h>

#include "hw/char/char_backend.h"

namespace dynemu::hw {

class StdioBackend : public CharBackend {
 public:
  StdioBackend(int in_fd = 0, int out_fd = 1);
  ~StdioBackend() override;
  StdioBackend(const StdioBackend&) = delete;
  StdioBackend& operator=(const StdioBackend&) = delete;

  void write(std::span<const uint8_t> bytes) override;
  int input_fd() const override { return m_eof ? -1 : m_in; }
  size_t read(std::span<uint8_t> out) override;
  bool input_eof() const override { return m_eof; }

 private:
  int m_in;
  int m_out;
  bool m_tty = false;
  bool m_eof = false;
  bool m_out_broken = false;
  termios m_saved_tty{};
};

}  // namespace dynemu::hw
