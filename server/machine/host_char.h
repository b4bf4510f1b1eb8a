#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emulator/core/result.h"
#include "server/machine/options.h"

namespace dynemu::machine {

// The host end of a guest character device (a serial port, the debug
// console): output to stdout, a file or nowhere; input from stdin for
// "stdio". Output is buffered and written at newlines, when the buffer
// fills and when the machine loop calls flush().
class HostChar {
 public:
  // `what` names the flag in errors ("-serial", "-debugcon").
  static Result<std::unique_ptr<HostChar>> open(const char* what, const CharSpec& spec);
  ~HostChar();
  HostChar(const HostChar&) = delete;
  HostChar& operator=(const HostChar&) = delete;

  void write(uint8_t byte);
  void flush();

  // The descriptor to poll for guest input (stdin for stdio), or -1 (none,
  // or stdin reached end of file).
  int input_fd() const { return m_in_fd; }
  // Reads what is available without blocking (the caller polled); at end
  // of file stops offering input.
  size_t read_input(uint8_t* buf, size_t len);

 private:
  HostChar() = default;
  int m_out_fd = -1;
  bool m_own_out = false;
  int m_in_fd = -1;
  bool m_raw_tty = false;
  std::vector<uint8_t> m_buf;
};

}  // namespace dynemu::machine
