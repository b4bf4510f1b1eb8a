// dynemu-system-i386's command line (server/machine/options).
#include "server/machine/options.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace dynemu::machine {
namespace {

using Action = ParseOutcome::Action;

ParseOutcome parse(std::vector<std::string> args, const char* env = nullptr) {
  return parse_options(args, env);
}

TEST(MachineOptions, Defaults) {
  ParseOutcome p = parse({});
  ASSERT_EQ(p.action, Action::Run) << p.text;
  EXPECT_EQ(p.options.ram_bytes, 128u << 20);
  EXPECT_EQ(p.options.bios, "/usr/share/seabios/bios.bin");
  EXPECT_EQ(p.options.firmware_dir, "/usr/share/seabios");
  EXPECT_EQ(p.options.engine, exec::Engine::Jit);
  EXPECT_TRUE(p.options.serial.empty());
  EXPECT_EQ(p.options.debugcon.kind, CharSpec::Kind::Null);
  EXPECT_FALSE(p.options.snapshot);
  EXPECT_FALSE(p.options.no_reboot);
}

TEST(MachineOptions, RamSizes) {
  EXPECT_EQ(parse({"-m", "64"}).options.ram_bytes, 64u << 20);
  EXPECT_EQ(parse({"-m", "64M"}).options.ram_bytes, 64u << 20);
  EXPECT_EQ(parse({"--m", "1G"}).options.ram_bytes, 1u << 30);
  EXPECT_EQ(parse({"-m", "size=256M"}).options.ram_bytes, 256u << 20);
  EXPECT_EQ(parse({"-m", "12X"}).exit_code, 2);
  EXPECT_EQ(parse({"-m", "abc"}).exit_code, 2);
  EXPECT_EQ(parse({"-m", "8G"}).exit_code, 2);
  EXPECT_EQ(parse({"-m", "0"}).exit_code, 2);
}

TEST(MachineOptions, SingleAndDoubleDashes) {
  ParseOutcome p =
      parse({"-hda", "a.img", "--hdb", "b.img", "-cdrom", "c.iso", "--snapshot", "-no-reboot",
             "-kernel", "vmlinuz", "--initrd", "initrd.gz", "-append", "-v console=ttyS0"});
  ASSERT_EQ(p.action, Action::Run) << p.text;
  EXPECT_EQ(p.options.hda, "a.img");
  EXPECT_EQ(p.options.hdb, "b.img");
  EXPECT_EQ(p.options.cdrom, "c.iso");
  EXPECT_TRUE(p.options.snapshot);
  EXPECT_TRUE(p.options.no_reboot);
  EXPECT_EQ(p.options.kernel, "vmlinuz");
  EXPECT_EQ(p.options.initrd, "initrd.gz");
  EXPECT_EQ(p.options.append, "-v console=ttyS0");  // a value starting with a dash stays a value
}

TEST(MachineOptions, PositionalDiskIsHda) {
  EXPECT_EQ(parse({"disk.img"}).options.hda, "disk.img");
  EXPECT_EQ(parse({"-hda", "a", "b"}).exit_code, 2);
}

TEST(MachineOptions, SerialPortsInOrder) {
  ParseOutcome p = parse({"-serial", "stdio", "-serial", "file:/tmp/com2.log"});
  ASSERT_EQ(p.action, Action::Run) << p.text;
  ASSERT_EQ(p.options.serial.size(), 2u);
  EXPECT_EQ(p.options.serial[0].kind, CharSpec::Kind::Stdio);
  EXPECT_EQ(p.options.serial[1].kind, CharSpec::Kind::File);
  EXPECT_EQ(p.options.serial[1].path, "/tmp/com2.log");
  EXPECT_EQ(parse({"-serial", "null"}).options.serial.at(0).kind, CharSpec::Kind::Null);
  EXPECT_EQ(parse({"-serial", "tcp:1234"}).exit_code, 2);
  EXPECT_EQ(parse({"-serial", "null", "-serial", "null", "-serial", "null"}).exit_code, 2);
}

TEST(MachineOptions, NographicPutsCom1OnStdio) {
  EXPECT_EQ(parse({"-nographic"}).options.serial.at(0).kind, CharSpec::Kind::Stdio);
  EXPECT_EQ(parse({"-nographic", "-serial", "null"}).options.serial.at(0).kind,
            CharSpec::Kind::Null);
}

TEST(MachineOptions, Debugcon) {
  ParseOutcome p = parse({"-debugcon", "file:/tmp/seabios.log"});
  EXPECT_EQ(p.options.debugcon, (CharSpec{CharSpec::Kind::File, "/tmp/seabios.log"}));
  EXPECT_EQ(parse({"-debugcon", "stdio"}).options.debugcon.kind, CharSpec::Kind::Stdio);
  EXPECT_EQ(parse({"-debugcon", "stdio", "-serial", "stdio"}).exit_code, 2);
  EXPECT_EQ(parse({"-serial", "stdio", "-serial", "stdio"}).exit_code, 2);
  EXPECT_EQ(parse({"-nographic", "-debugcon", "stdio"}).exit_code, 2);
}

TEST(MachineOptions, BootOrder) {
  EXPECT_EQ(parse({"-boot", "d"}).options.boot_order, "d");
  EXPECT_EQ(parse({"-boot", "order=dc,menu=off"}).options.boot_order, "dc");
  EXPECT_EQ(parse({"-boot", "a"}).exit_code, 2);
  EXPECT_EQ(parse({"-boot", "order=cx"}).exit_code, 2);
  EXPECT_EQ(parse({"-boot", "foo=1"}).exit_code, 2);
}

TEST(MachineOptions, Accel) {
  EXPECT_EQ(parse({"-accel", "interp"}).options.engine, exec::Engine::Interp);
  EXPECT_EQ(parse({"-accel", "compare"}).options.engine, exec::Engine::Compare);
  EXPECT_EQ(parse({"-accel", "jit"}).options.engine, exec::Engine::Jit);
  EXPECT_EQ(parse({"-accel", "kvm"}).exit_code, 2);
}

TEST(MachineOptions, LogItems) {
  ParseOutcome p = parse({"-d", "in_asm,int"});
  ASSERT_EQ(p.action, Action::Run) << p.text;
  EXPECT_TRUE(p.options.log.has(LogItem::InAsm));
  EXPECT_TRUE(p.options.log.has(LogItem::Int));
  EXPECT_FALSE(p.options.log.has(LogItem::Exec));
  EXPECT_EQ(parse({"-d", "bogus"}).exit_code, 2);
  ParseOutcome help = parse({"-d", "help"});
  EXPECT_EQ(help.action, Action::Exit);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.text.find("in_asm"), std::string::npos);
}

TEST(MachineOptions, DisplayMachineDevice) {
  EXPECT_EQ(parse({"-display", "none"}).action, Action::Run);
  ParseOutcome sdl = parse({"-display", "sdl"});
  EXPECT_EQ(sdl.exit_code, 2);
  EXPECT_NE(sdl.text.find("-display sdl"), std::string::npos);
  EXPECT_EQ(parse({"-M", "pc"}).action, Action::Run);
  EXPECT_EQ(parse({"-machine", "q35"}).exit_code, 2);
  EXPECT_EQ(parse({"-device", "isa-debug-exit,iobase=0x501,iosize=2"}).action, Action::Run);
  EXPECT_EQ(parse({"-device", "e1000"}).exit_code, 2);
}

TEST(MachineOptions, HelpAndUnknown) {
  ParseOutcome help = parse({"-help"});
  EXPECT_EQ(help.action, Action::Exit);
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag :
       {"-m ", "-bios", "-hda", "-hdb", "-cdrom", "-boot", "-kernel", "-initrd", "-append",
        "-serial", "-display", "-snapshot", "-accel", "-d ", "-no-reboot", "-debugcon", "-L "})
    EXPECT_NE(help.text.find(flag), std::string::npos) << flag;
  EXPECT_EQ(parse({"--help"}).exit_code, 0);
  EXPECT_EQ(parse({"-h"}).exit_code, 0);
  ParseOutcome bad = parse({"-frobnicate"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.text.find("-frobnicate"), std::string::npos);
  EXPECT_EQ(bad.text.find('\n'), bad.text.size() - 1);  // one line
  EXPECT_EQ(parse({"-initrd", "x"}).exit_code, 2);      // without -kernel
}

TEST(MachineOptions, FirmwareFolder) {
  EXPECT_EQ(parse({}, "/opt/fw").options.bios, "/opt/fw/bios.bin");
  EXPECT_EQ(parse({"-L", "/l"}, "/opt/fw").options.bios, "/l/bios.bin");
  EXPECT_EQ(parse({"-L", "/l"}).options.firmware_dir, "/l");
  EXPECT_EQ(parse({"-bios", "bios-256k.bin"}).options.bios, "/usr/share/seabios/bios-256k.bin");
  EXPECT_EQ(parse({"-bios", "./my.bin"}, "/opt/fw").options.bios, "./my.bin");
}

TEST(MachineOptions, CheckFilesNamesTheFileAndTheReason) {
  char dir[] = "/tmp/machine_options_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string bios = std::string(dir) + "/bios.bin";
  std::ofstream(bios) << "x";
  Options o;
  o.bios = bios;
  EXPECT_TRUE(check_files(o).ok());
  o.hda = std::string(dir) + "/missing.img";
  auto r = check_files(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "-hda " + o.hda + ": No such file or directory");
  o.hda.clear();
  o.kernel = dir;  // a folder opens but is not a kernel: the loader reports that
  o.initrd = std::string(dir) + "/nope";
  EXPECT_NE(check_files(o).error().message.find("-initrd"), std::string::npos);
  o.bios = std::string(dir) + "/none.bin";
  EXPECT_NE(check_files(o).error().message.find("-bios"), std::string::npos);
  std::remove(bios.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace dynemu::machine
