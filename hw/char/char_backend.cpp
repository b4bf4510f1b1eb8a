#include "hw/char/char_backend.h"

#include <algorithm>
#include <array>
#include <string>

#include "hw/char/file_backend.h"
#include "hw/char/stdio_backend.h"

namespace dynemu::hw {

size_t pump_input(CharBackend& backend, CharFrontend& frontend) {
  // One read per call, as a chardev reads once per main-loop pass: the
  // guest gets to run (and take its trigger-level interrupt) between
  // batches instead of always finding a full FIFO.
  std::array<uint8_t, 256> buf;
  const size_t room = std::min(frontend.can_receive(), buf.size());
  if (room == 0) return 0;
  const size_t n = backend.read(std::span(buf).first(room));
  if (n > 0) frontend.receive(std::span<const uint8_t>(buf.data(), n));
  return n;
}

Result<std::unique_ptr<CharBackend>> open_char_backend(std::string_view spec) {
  if (spec == "stdio") return std::unique_ptr<CharBackend>(std::make_unique<StdioBackend>());
  if (spec == "null") return std::unique_ptr<CharBackend>(std::make_unique<NullBackend>());
  if (spec.starts_with("file:")) {
    auto file = FileBackend::open(std::string(spec.substr(5)));
    if (!file) return file.error();
    return std::unique_ptr<CharBackend>(std::move(file).value());
  }
  return Error{"unsupported character backend '" + std::string(spec) +
               "' (use stdio, file:PATH or null)"};
}

}  // namespace dynemu::hw
