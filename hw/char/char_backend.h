#pragma once

// Where a character device's bytes go and come from (the host side of a
// serial port): stdio, a file, nothing, or a callback. Frontends (the UART)
// implement CharFrontend; the board moves host input into them with
// pump_input() when input_fd() is readable and the frontend can_receive().

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "emulator/core/result.h"

namespace dynemu::hw {

class CharBackend {
 public:
  virtual ~CharBackend() = default;
  // Guest output. Every byte is delivered (a full pipe is waited for).
  virtual void write(std::span<const uint8_t> bytes) = 0;
  // Host input: a descriptor the board polls for readability (-1 if the
  // backend has no input), and a non-blocking read (0: nothing right now).
  virtual int input_fd() const { return -1; }
  virtual size_t read(std::span<uint8_t> out) { return 0; }
  // The input side reached end of file (a closed pipe): stop polling.
  virtual bool input_eof() const { return input_fd() < 0; }
};

// The guest side of a character stream.
class CharFrontend {
 public:
  virtual ~CharFrontend() = default;
  virtual size_t can_receive() const = 0;                    // bytes receive() takes now
  virtual void receive(std::span<const uint8_t> bytes) = 0;  // host -> guest
};

// Moves what the frontend can take right now from the backend into it (one
// read). Returns the number of bytes moved.
size_t pump_input(CharBackend& backend, CharFrontend& frontend);

// Discards output, never has input ("-serial null").
class NullBackend : public CharBackend {
 public:
  void write(std::span<const uint8_t>) override {}
};

// Hands output to a function (the control socket, tests). No input of its
// own: the owner calls the frontend's receive() directly.
class CallbackBackend : public CharBackend {
 public:
  explicit CallbackBackend(std::function<void(std::span<const uint8_t>)> out)
      : m_out(std::move(out)) {}
  void write(std::span<const uint8_t> bytes) override { m_out(bytes); }

 private:
  std::function<void(std::span<const uint8_t>)> m_out;
};

// "-serial" syntax: "stdio", "file:PATH" or "null". A file that cannot be
// created is a one-line error.
Result<std::unique_ptr<CharBackend>> open_char_backend(std::string_view spec);

}  // namespace dynemu::hw
