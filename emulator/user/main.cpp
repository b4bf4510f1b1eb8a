// dynemu-i386: runs a Linux i386 program on this host, like qemu-i386.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "emulator/exec/cpu.h"
#include "emulator/user/process.h"

extern char** environ;

namespace {

using dynemu::user::Options;

constexpr const char* kUsage =
    "usage: dynemu-i386 [options] program [arguments...]\n"
    "Runs a Linux i386 program (ELF32, static or dynamic) on this host.\n"
    "\n"
    "  -L path        sysroot holding the i386 loader and libraries (default /)\n"
    "  -accel name    execution engine: jit (default), interp, or compare (both,\n"
    "                 stopping at the first difference)\n"
    "  -d item[,...]  log items to stderr (-d help lists them)\n"
    "  -E var=value   set an environment variable for the program\n"
    "  -U var         remove an environment variable for the program\n"
    "  -0 argv0       the program's argv[0] (default: the program path)\n"
    "  -h, -help      this text\n";

[[noreturn]] void usage_error(const std::string& msg) {
  fprintf(stderr, "dynemu-i386: %s\n%s", msg.c_str(), kUsage);
  exit(2);
}

std::string own_executable() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, size_t(n)) : std::string("dynemu-i386");
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  auto unset = [&](const std::string& name) {
    std::erase_if(env, [&](const std::string& v) { return v.rfind(name + "=", 0) == 0; });
  };

  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    std::string flag = argv[i];
    if (flag == "--") {
      ++i;
      break;
    }
    if (flag.rfind("--", 0) == 0) flag.erase(0, 1);  // QEMU accepts --flag too
    if (flag == "-h" || flag == "-help") {
      fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) usage_error("option " + flag + " needs an argument");
    const std::string value = argv[++i];
    if (flag == "-L") {
      opt.sysroot = value;
    } else if (flag == "-accel") {
      if (value == "interp")
        opt.engine = dynemu::exec::Engine::Interp;
      else if (value == "jit")
        opt.engine = dynemu::exec::Engine::Jit;
      else if (value == "compare")
        opt.engine = dynemu::exec::Engine::Compare;
      else
        usage_error("unknown accelerator '" + value + "'");
      opt.accel_name = value;
    } else if (flag == "-d") {
      if (value == "help") {
        fputs(dynemu::LogMask::help(), stdout);
        return 0;
      }
      auto mask = dynemu::LogMask::parse(value);
      if (!mask) usage_error(mask.error().message);
      opt.log = mask.value();
      opt.log_items = value;
    } else if (flag == "-E") {
      const size_t eq = value.find('=');
      if (eq == std::string::npos) usage_error("-E needs var=value");
      unset(value.substr(0, eq));
      env.push_back(value);
    } else if (flag == "-U") {
      unset(value);
    } else if (flag == "-0") {
      opt.argv0 = value;
    } else {
      usage_error("unknown option " + flag);
    }
  }
  if (i >= argc) usage_error("no program given");

  const std::string path = argv[i];
  std::vector<std::string> guest_argv(argv + i, argv + argc);
  if (!opt.argv0.empty()) guest_argv[0] = opt.argv0;
  opt.self_exe = own_executable();

  dynemu::exec::install_host_fault_handler();
  dynemu::user::Process process(opt);
  if (auto r = process.load(path, guest_argv, env); !r) {
    fprintf(stderr, "dynemu-i386: Error while loading %s: %s\n", path.c_str(),
            r.error().message.c_str());
    return 2;
  }
  return process.run();
}
