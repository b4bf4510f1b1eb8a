#pragma once

// The command line of dynemu-system-i386: QEMU's flags and meanings, parsed
// into plain values. Parsing never touches the file system; check_files()
// does, separately, so the two can be tested apart.

#include <cstdint>
#include <string>
#include <vector>

#include "emulator/core/log.h"
#include "emulator/core/result.h"
#include "emulator/exec/cpu.h"

namespace dynemu::machine {

// Where a character device (a serial port, the debug console) goes.
struct CharSpec {
  enum class Kind : uint8_t { Null, Stdio, File };
  Kind kind = Kind::Null;
  std::string path;  // Kind::File
  bool operator==(const CharSpec&) const = default;
};

struct Options {
  uint32_t ram_bytes = 128u << 20;
  // The SeaBIOS image actually used, and the folder the VGA BIOS
  // (vgabios-stdvga.bin) is taken from.
  std::string bios;
  std::string firmware_dir;
  std::string hda, hdb, cdrom;
  // Boot order as QEMU's letters: c = first hard disk, d = CD-ROM, n = network.
  std::string boot_order = "cdn";
  std::string kernel, initrd, append;
  std::vector<CharSpec> serial;  // COM1, COM2; empty entries stay unconnected
  CharSpec debugcon;             // port 0x402
  bool snapshot = false;
  bool no_reboot = false;
  exec::Engine engine = exec::Engine::Jit;
  LogMask log;
};

// What main() does after parsing: run the machine, or print `text` (help,
// -d help, an error) and exit with `exit_code`.
struct ParseOutcome {
  enum class Action : uint8_t { Run, Exit };
  Action action = Action::Run;
  int exit_code = 0;
  std::string text;  // for Exit: to stdout when exit_code is 0, else to stderr
  Options options;
};

// Where firmware is looked for when -bios names no folder and -L is absent:
// the environment variable DYNEMU_FIRMWARE_DIR, then Debian's seabios package.
inline constexpr const char* kFirmwareDirEnv = "DYNEMU_FIRMWARE_DIR";
inline constexpr const char* kDefaultFirmwareDir = "/usr/share/seabios";

// args excludes argv[0]. `firmware_env` is the value of DYNEMU_FIRMWARE_DIR
// (nullptr when unset).
ParseOutcome parse_options(const std::vector<std::string>& args, const char* firmware_env);

// Every file the options name can be opened for reading (disks for writing
// too unless -snapshot). The error is one line: "<what> <path>: <why>".
Result<void> check_files(const Options& options);

// The full -help text.
const char* usage();

}  // namespace dynemu::machine
