// dynemu-system-i386: one emulated PC, driven by QEMU-like flags.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "server/machine/options.h"

int main(int argc, char** argv) {
  using dynemu::machine::ParseOutcome;
  const std::vector<std::string> args(argv + 1, argv + argc);
  ParseOutcome parsed =
      dynemu::machine::parse_options(args, std::getenv(dynemu::machine::kFirmwareDirEnv));
  if (parsed.action == ParseOutcome::Action::Exit) {
    std::fputs(parsed.text.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  if (auto files = dynemu::machine::check_files(parsed.options); !files) {
    std::fprintf(stderr, "dynemu-system-i386: %s\n", files.error().message.c_str());
    return 2;
  }
  std::fprintf(stderr, "dynemu-system-i386: the PC board is not wired yet\n");
  return 1;
}
