// dynemu-system-i386: one emulated PC, driven by QEMU-like flags.
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "emulator/exec/cpu.h"
#include "hw/char/char_backend.h"
#include "hw/pc/board.h"
#include "hw/pc/linux_boot.h"
#include "server/machine/machine_loop.h"
#include "server/machine/options.h"

namespace {

using dynemu::Error;
using dynemu::Result;

Result<std::vector<uint8_t>> read_file(const char* what, const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error{std::string(what) + " " + path + ": " + std::strerror(errno)};
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return Error{std::string(what) + " " + path + ": read error"};
  return bytes;
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "dynemu-system-i386: %s\n", message.c_str());
  std::exit(2);
}

template <typename T>
T must(Result<T> r) {
  if (!r) fail(r.error().message);
  return std::move(r).value();
}

Result<std::unique_ptr<dynemu::hw::CharBackend>> open_backend(
    const char* what, const dynemu::machine::CharSpec& spec) {
  using Kind = dynemu::machine::CharSpec::Kind;
  const std::string name = spec.kind == Kind::Stdio  ? "stdio"
                           : spec.kind == Kind::File ? "file:" + spec.path
                                                     : "null";
  auto backend = dynemu::hw::open_char_backend(name);
  if (!backend) return Error{std::string(what) + " " + name + ": " + backend.error().message};
  return backend;
}

// The loop SIGTERM/SIGINT/SIGHUP stop: process-wide because signal
// handlers are.
std::atomic<dynemu::machine::MachineLoop*> g_loop{nullptr};

void on_termination_signal(int sig) {
  if (auto* loop = g_loop.load()) loop->stop_from_signal(sig);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dynemu::machine;
  const std::vector<std::string> args(argv + 1, argv + argc);
  ParseOutcome parsed = parse_options(args, std::getenv(kFirmwareDirEnv));
  if (parsed.action == ParseOutcome::Action::Exit) {
    std::fputs(parsed.text.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  const Options& o = parsed.options;
  if (auto files = check_files(o); !files) fail(files.error().message);

  dynemu::hw::pc::BoardConfig config;
  config.ram_bytes = o.ram_bytes;
  config.bios = must(read_file("-bios", o.bios));
  const std::string vgabios = o.firmware_dir + "/vgabios-stdvga.bin";
  if (auto vga = read_file("VGA BIOS", vgabios))
    config.vga_bios = std::move(vga).value();
  else
    std::fprintf(stderr, "dynemu-system-i386: warning: %s; the VGA has no BIOS\n",
                 vga.error().message.c_str());
  config.hda = o.hda;
  config.hdb = o.hdb;
  config.cdrom = o.cdrom;
  config.snapshot = o.snapshot;
  config.boot_order = o.boot_order;
  if (!o.kernel.empty()) {
    config.kernel = must(read_file("-kernel", o.kernel));
    if (auto header = dynemu::hw::pc::parse_setup_header(config.kernel); !header)
      fail("-kernel " + o.kernel + ": " + header.error().message);
    if (!o.initrd.empty()) config.initrd = must(read_file("-initrd", o.initrd));
    config.append = o.append;
  }
  config.engine = o.engine;
  config.log = o.log;

  // Host ends of COM1, COM2 and the debug console.
  std::vector<std::unique_ptr<dynemu::hw::CharBackend>> serial;
  for (const CharSpec& spec : o.serial) serial.push_back(must(open_backend("-serial", spec)));
  std::unique_ptr<dynemu::hw::CharBackend> debugcon = must(open_backend("-debugcon", o.debugcon));
  for (size_t i = 0; i < serial.size(); ++i) config.serial[i] = serial[i].get();
  config.serial_console = !o.serial.empty() && o.serial[0].kind == CharSpec::Kind::Stdio;
  config.debugcon = debugcon.get();

  dynemu::exec::install_host_fault_handler();
  auto board = must(dynemu::hw::pc::Board::create(std::move(config)));

  MachineLoop loop(*board, o.no_reboot ? ResetPolicy::Stop : ResetPolicy::Reset,
                   o.log.has(dynemu::LogItem::Stats));
  // Ends cleanly on SIGTERM/SIGINT/SIGHUP (outputs flushed, -d stats printed).
  g_loop.store(&loop);
  struct sigaction sa {};
  sa.sa_handler = on_termination_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaction(sig, &sa, nullptr);
  const int status = loop.run();
  g_loop.store(nullptr);
  return status;
}
