#include "server/machine/options.h"

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>

namespace dynemu::machine {

namespace {

constexpr const char* kUsage =
    "usage: dynemu-system-i386 [options] [disk_image]\n"
    "Emulates one i386 PC (i440FX, PIIX3, SeaBIOS), headless. Every option may\n"
    "also be spelled with two dashes (--m 64).\n"
    "\n"
    "Machine:\n"
    "  -m SIZE           guest RAM in MiB (default 128); suffixes M and G accepted\n"
    "  -bios FILE        BIOS image (default bios.bin from the firmware folder)\n"
    "  -L DIR            firmware folder (bios.bin, vgabios-stdvga.bin); default\n"
    "                    $DYNEMU_FIRMWARE_DIR, else /usr/share/seabios\n"
    "  -accel NAME       execution engine: jit (default), interp, or compare\n"
    "  -machine pc       the only machine (also -M pc, pc-i386)\n"
    "  -no-reboot        stop instead of resetting on a guest reset or triple\n"
    "                    fault (exit status 0)\n"
    "  -device isa-debug-exit   accepted for QEMU compatibility: the port 0x501\n"
    "                    is always present; a write of V exits with (V << 1) | 1\n"
    "\n"
    "Disks and boot:\n"
    "  -hda FILE, -hdb FILE   raw disk images on the first IDE channel\n"
    "  -cdrom FILE       ISO image on the second IDE channel (master)\n"
    "  -snapshot         keep disk writes in a throwaway overlay\n"
    "  -boot ORDER       boot order letters: c disk, d CD-ROM, n network\n"
    "                    (also order=ORDER); default cdn\n"
    "  -kernel FILE      boot this Linux bzImage directly (32-bit boot protocol)\n"
    "  -initrd FILE      initial ramdisk for -kernel\n"
    "  -append TEXT      kernel command line for -kernel\n"
    "\n"
    "Consoles:\n"
    "  -serial DEV       next serial port (COM1, then COM2): stdio, file:PATH, null\n"
    "  -display none     no display (the only one for now)\n"
    "  -nographic        -display none, and COM1 on stdio unless -serial is given\n"
    "  -debugcon DEV     the debug console at port 0x402 (SeaBIOS's log): stdio,\n"
    "                    file:PATH, null\n"
    "  With -display none and no -serial, the serial ports go nowhere (as in QEMU).\n"
    "\n"
    "Debugging:\n"
    "  -d ITEM[,...]     log items to stderr (-d help lists them)\n"
    "  -h, -help         this text\n"
    "\n"
    "A missing or unreadable file prints one line and exits with status 2.\n";

ParseOutcome fail(const std::string& message) {
  ParseOutcome out;
  out.action = ParseOutcome::Action::Exit;
  out.exit_code = 2;
  out.text = "dynemu-system-i386: " + message + "\n";
  return out;
}

// QEMU spells every option with one dash (-hda) and also accepts two; CLI11
// reads single-dash words as bundles of one-letter flags. So each option is
// handed to it in the two-dash form, joined with its value ("--append=-v")
// so that a value starting with a dash is never taken for an option.
const char* const kValueOptions[] = {"m",        "bios",   "L",       "hda",    "hdb",    "cdrom",
                                     "boot",     "kernel", "initrd",  "append", "serial", "display",
                                     "debugcon", "accel",  "machine", "M",      "device", "d"};

std::vector<std::string> to_long_options(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  out.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 2 || a[0] != '-') {
      out.push_back(a);
      continue;
    }
    const std::string name = a.substr(a[1] == '-' ? 2 : 1);
    const bool takes_value = std::any_of(std::begin(kValueOptions), std::end(kValueOptions),
                                         [&](const char* v) { return name == v; });
    if (takes_value && i + 1 < args.size())
      out.push_back("--" + name + "=" + args[++i]);
    else
      out.push_back("--" + name);
  }
  return out;
}

// -m: "64", "64M", "1G", "size=64M". A plain number is MiB, as in QEMU.
Result<uint32_t> parse_ram(std::string text) {
  if (text.rfind("size=", 0) == 0) text.erase(0, 5);
  if (text.find(',') != std::string::npos) return Error{"-m: only a size is supported: " + text};
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str() || errno) return Error{"-m: invalid size '" + text + "'"};
  const std::string suffix = end;
  uint64_t bytes;
  if (suffix.empty() || suffix == "M" || suffix == "m" || suffix == "MB" || suffix == "MiB")
    bytes = uint64_t(n) << 20;
  else if (suffix == "G" || suffix == "g" || suffix == "GB" || suffix == "GiB")
    bytes = uint64_t(n) << 30;
  else
    return Error{"-m: invalid size suffix '" + suffix + "' (use M or G)"};
  // The PCI hole starts at 3.5 GiB; RAM above 4 GiB needs PAE, which we lack.
  if (n == 0 || bytes < (2u << 20)) return Error{"-m: at least 2 MiB of RAM is needed"};
  if (bytes > (3584ull << 20)) return Error{"-m: at most 3584 MiB of RAM (no RAM above 4 GiB)"};
  return uint32_t(bytes);
}

Result<CharSpec> parse_char(const std::string& flag, const std::string& text) {
  CharSpec spec;
  if (text == "null" || text == "none") {
    spec.kind = CharSpec::Kind::Null;
  } else if (text == "stdio" || text == "mon:stdio") {
    spec.kind = CharSpec::Kind::Stdio;
  } else if (text.rfind("file:", 0) == 0 && text.size() > 5) {
    spec.kind = CharSpec::Kind::File;
    spec.path = text.substr(5);
  } else {
    return Error{flag + ": unsupported character device '" + text +
                 "' (use stdio, file:PATH or null)"};
  }
  return spec;
}

// -boot: "c", "dc", "order=dc", "order=dc,menu=off" (other keys ignored, as
// they only tune SeaBIOS's menu).
Result<std::string> parse_boot(const std::string& text) {
  std::string order;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      order = item;  // the legacy form: letters only
    } else if (item.substr(0, eq) == "order" || item.substr(0, eq) == "once") {
      order = item.substr(eq + 1);
    } else if (item.substr(0, eq) != "menu" && item.substr(0, eq) != "splash-time" &&
               item.substr(0, eq) != "strict" && item.substr(0, eq) != "reboot-timeout") {
      return Error{"-boot: unknown parameter '" + item.substr(0, eq) + "'"};
    }
  }
  if (order.empty()) return Error{"-boot: no boot order given"};
  for (char c : order)
    if (c != 'c' && c != 'd' && c != 'n')
      return Error{std::string("-boot: unsupported boot device '") + c +
                   "' (c disk, d CD-ROM, n network)"};
  return order;
}

// -bios FILE: a bare name is looked up in the firmware folder, as QEMU's -L.
std::string resolve_firmware(const std::string& name, const std::string& dir) {
  if (name.find('/') != std::string::npos) return name;
  return dir + "/" + name;
}

}  // namespace

const char* usage() {
  return kUsage;
}

ParseOutcome parse_options(const std::vector<std::string>& args, const char* firmware_env) {
  CLI::App app{"dynemu-system-i386"};
  app.set_help_flag();  // our own -help text, in QEMU's spelling
  app.allow_extras(false);

  std::string mem, bios, firmware_dir, boot, accel = "jit", machine = "pc", display = "none";
  std::string debugcon, log_items;
  std::vector<std::string> serial, devices, positional;
  bool help = false, nographic = false;
  Options o;

  app.add_flag("--help,--h", help);
  app.add_option("--m", mem);
  app.add_option("--bios", bios);
  app.add_option("--L", firmware_dir);
  app.add_option("--hda", o.hda);
  app.add_option("--hdb", o.hdb);
  app.add_option("--cdrom", o.cdrom);
  app.add_option("--boot", boot);
  app.add_option("--kernel", o.kernel);
  app.add_option("--initrd", o.initrd);
  app.add_option("--append", o.append);
  app.add_option("--serial", serial)->allow_extra_args(false);
  app.add_option("--display", display);
  app.add_flag("--nographic", nographic);
  app.add_option("--debugcon", debugcon);
  app.add_flag("--snapshot", o.snapshot);
  app.add_flag("--no-reboot", o.no_reboot);
  app.add_option("--accel", accel);
  app.add_option("--machine,--M", machine);
  app.add_option("--device", devices)->allow_extra_args(false);
  app.add_option("--d", log_items);
  app.add_option("disk_image", positional);

  std::vector<std::string> argv = to_long_options(args);
  std::reverse(argv.begin(), argv.end());  // CLI11 takes them last-first
  try {
    app.parse(argv);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();  // name options the way the user spells them
    for (size_t p = what.find("--"); p != std::string::npos; p = what.find("--", p + 1))
      what.erase(p, 1);
    return fail(what + " (try -help)");
  }

  if (help) {
    ParseOutcome out;
    out.action = ParseOutcome::Action::Exit;
    out.text = kUsage;
    return out;
  }
  if (log_items == "help") {
    ParseOutcome out;
    out.action = ParseOutcome::Action::Exit;
    out.text = std::string("-d items:\n") + LogMask::help();
    return out;
  }
  if (!log_items.empty()) {
    auto mask = LogMask::parse(log_items);
    if (!mask) return fail(mask.error().message);
    o.log = mask.value();
  }

  if (!mem.empty()) {
    auto ram = parse_ram(mem);
    if (!ram) return fail(ram.error().message);
    o.ram_bytes = ram.value();
  }

  if (!firmware_dir.empty())
    o.firmware_dir = firmware_dir;
  else if (firmware_env && *firmware_env)
    o.firmware_dir = firmware_env;
  else
    o.firmware_dir = kDefaultFirmwareDir;
  o.bios = resolve_firmware(bios.empty() ? "bios.bin" : bios, o.firmware_dir);

  if (positional.size() > 1) return fail("only one disk image may be given without -hda");
  if (positional.size() == 1) {
    if (!o.hda.empty()) return fail("a disk image was given both with -hda and alone");
    o.hda = positional[0];
  }
  if (!boot.empty()) {
    auto order = parse_boot(boot);
    if (!order) return fail(order.error().message);
    o.boot_order = order.value();
  }
  if ((!o.initrd.empty() || !o.append.empty()) && o.kernel.empty())
    return fail(std::string(o.initrd.empty() ? "-append" : "-initrd") + " only works with -kernel");

  if (display != "none")
    return fail("-display " + display + ": not supported (only -display none for now)");
  if (machine != "pc" && machine != "pc-i386" && machine.rfind("pc,", 0) != 0 &&
      machine.rfind("type=pc", 0) != 0)
    return fail("-machine " + machine + ": unsupported machine (only pc)");
  for (const std::string& d : devices)
    if (d != "isa-debug-exit" && d.rfind("isa-debug-exit,", 0) != 0)
      return fail("-device " + d + ": unsupported device (only isa-debug-exit)");

  if (accel == "jit" || accel == "tcg")
    o.engine = exec::Engine::Jit;
  else if (accel == "interp")
    o.engine = exec::Engine::Interp;
  else if (accel == "compare")
    o.engine = exec::Engine::Compare;
  else
    return fail("-accel " + accel + ": unknown accelerator (jit, interp, compare)");

  if (serial.size() > 2) return fail("-serial: at most two serial ports (COM1, COM2)");
  for (const std::string& s : serial) {
    auto spec = parse_char("-serial", s);
    if (!spec) return fail(spec.error().message);
    o.serial.push_back(spec.value());
  }
  if (nographic && serial.empty()) o.serial.push_back(CharSpec{CharSpec::Kind::Stdio, {}});
  if (!debugcon.empty()) {
    auto spec = parse_char("-debugcon", debugcon);
    if (!spec) return fail(spec.error().message);
    o.debugcon = spec.value();
  }

  // Two devices reading one stdin would steal each other's input (QEMU
  // refuses this too).
  int stdio_users = o.debugcon.kind == CharSpec::Kind::Stdio;
  for (const CharSpec& spec : o.serial) stdio_users += spec.kind == CharSpec::Kind::Stdio;
  if (stdio_users > 1) return fail("stdio can be used by one character device only");

  ParseOutcome out;
  out.options = std::move(o);
  return out;
}

namespace {

Result<void> check_one(const char* what, const std::string& path, bool writable) {
  if (path.empty()) return Ok{};
  const int fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return Error{std::string(what) + " " + path + ": " + std::strerror(errno)};
  ::close(fd);
  return Ok{};
}

}  // namespace

Result<void> check_files(const Options& o) {
  // Direct kernel boot never runs the BIOS, but it is still mapped (the
  // kernel's BIOS32/DMI scans find a real one), so it must exist either way.
  TRY(check_one("-bios", o.bios, false));
  TRY(check_one("-hda", o.hda, !o.snapshot));
  TRY(check_one("-hdb", o.hdb, !o.snapshot));
  TRY(check_one("-cdrom", o.cdrom, false));
  TRY(check_one("-kernel", o.kernel, false));
  TRY(check_one("-initrd", o.initrd, false));
  return Ok{};
}

}  // namespace dynemu::machine
