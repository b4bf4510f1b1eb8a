// The pc board and the machine loop with a real CPU: tiny firmware images
// written here (reset vector, I/O ports, PIT interrupts, HLT), direct kernel
// entry, and SeaBIOS itself up to its boot attempt.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "hw/char/char_backend.h"
#include "hw/pc/board.h"
#include "server/machine/machine_loop.h"

namespace dynemu::machine {
namespace {

using hw::pc::Board;
using hw::pc::BoardConfig;

// A little-endian byte emitter with labels for 8-bit jumps.
struct Code {
  std::vector<uint8_t> b;
  Code& operator()(std::initializer_list<int> bytes) {
    for (int x : bytes) b.push_back(uint8_t(x));
    return *this;
  }
  Code& u16(uint32_t v) { return (*this)({int(v & 0xff), int((v >> 8) & 0xff)}); }
  Code& u32(uint32_t v) { return u16(v & 0xffff).u16(v >> 16); }
  size_t here() const { return b.size(); }
  // jcc/jmp rel8 whose target is patched later.
  size_t jump8(int opcode) {
    (*this)({opcode, 0});
    return b.size() - 1;
  }
  void land(size_t at) { b[at] = uint8_t(b.size() - (at + 1)); }
};

// A 64 KiB BIOS: `code` at F000:0000, the reset vector jumping to it.
std::vector<uint8_t> make_bios(const Code& code) {
  std::vector<uint8_t> rom(65536, 0xf4);
  std::copy(code.b.begin(), code.b.end(), rom.begin());
  const uint8_t reset[] = {0xea, 0x00, 0x00, 0x00, 0xf0};  // jmp far F000:0000
  std::copy(std::begin(reset), std::end(reset), rom.begin() + 0xfff0);
  return rom;
}

// Real mode: out dx(port), al(value) sequences.
void out_dx(Code& c, uint16_t port, uint8_t value) {
  c({0xba}).u16(port)({0xb0, value, 0xee});
}

struct Machine {
  std::string debugcon;
  hw::CallbackBackend debug_backend{
      [this](std::span<const uint8_t> b) { debugcon.append(b.begin(), b.end()); }};
  std::unique_ptr<Board> board;

  explicit Machine(BoardConfig config, exec::Engine engine = exec::Engine::Jit) {
    config.debugcon = &debug_backend;
    config.engine = engine;
    auto b = Board::create(std::move(config));
    if (!b)
      ADD_FAILURE() << b.error().message;
    else
      board = std::move(b).value();
  }
};

class MachineBoard : public testing::TestWithParam<exec::Engine> {};

TEST_P(MachineBoard, ResetVectorDebugconAndExitPort) {
  Code c;
  out_dx(c, 0x402, 'h');
  out_dx(c, 0x402, 'i');
  out_dx(c, 0x501, 0x10);
  c({0xf4, 0xeb, 0xfd});  // hlt; jmp $-1
  BoardConfig config;
  config.ram_bytes = 16u << 20;
  config.bios = make_bios(c);
  Machine m(std::move(config), GetParam());
  ASSERT_TRUE(m.board);
  MachineLoop loop(*m.board, ResetPolicy::Reset);
  EXPECT_EQ(loop.run(), (0x10 << 1) | 1);  // isa-debug-exit's status
  EXPECT_EQ(m.debugcon, "hi");
}

// PIT channel 0 -> IRQ0 -> master PIC -> INTR: the handler runs out of HLT.
TEST_P(MachineBoard, TimerInterruptWakesHalt) {
  Code c;
  c({0xfa, 0x31, 0xc0, 0x8e, 0xd8, 0x8e, 0xd0, 0xbc, 0x00, 0x7c});  // cli; ds = ss = 0; sp = 7c00
  c({0xc7, 0x06, 0x20, 0x00});                                      // mov word [0x20], handler
  const size_t handler_ref = c.here();
  c.u16(0);
  c({0xc7, 0x06, 0x22, 0x00}).u16(0xf000);  // mov word [0x22], 0xf000
  for (auto [port, value] :
       std::initializer_list<std::pair<int, int>>{{0x20, 0x11},
                                                  {0x21, 0x08},
                                                  {0x21, 0x04},
                                                  {0x21, 0x01},
                                                  {0x21, 0xfe},  // PIC, IRQ0 only
                                                  {0x43, 0x34},
                                                  {0x40, 0x9c},
                                                  {0x40, 0x2e}})  // PIT: mode 2, 11932 (10 ms)
    c({0xb0, value, 0xe6, port});
  c({0xfb});              // sti
  c({0xf4, 0xeb, 0xfd});  // hlt; jmp $-1
  const size_t handler = c.here();
  c.b[handler_ref] = uint8_t(handler);
  c.b[handler_ref + 1] = uint8_t(handler >> 8);
  out_dx(c, 0x402, 'T');
  c({0xb0, 0x20, 0xe6, 0x20});  // EOI
  out_dx(c, 0x501, 2);
  c({0xcf});  // iret
  BoardConfig config;
  config.ram_bytes = 16u << 20;
  config.bios = make_bios(c);
  Machine m(std::move(config), GetParam());
  ASSERT_TRUE(m.board);
  MachineLoop loop(*m.board, ResetPolicy::Reset);
  EXPECT_EQ(loop.run(), 5);
  EXPECT_EQ(m.debugcon, "T");
}

// Port 0x92 bit 0 resets the machine; with ResetPolicy::Stop the loop ends
// with status 0. With Reset, the firmware runs again from the reset vector
// (a CMOS byte counts the boots).
TEST_P(MachineBoard, GuestResetRestartsOrStops) {
  Code c;
  out_dx(c, 0x402, 'B');
  c({0xb0, 0x01, 0xe6, 0x92});  // port 0x92 bit 0: reset
  c({0xf4, 0xeb, 0xfd});
  BoardConfig config;
  config.ram_bytes = 16u << 20;
  config.bios = make_bios(c);
  {
    Machine m(config, GetParam());
    ASSERT_TRUE(m.board);
    MachineLoop loop(*m.board, ResetPolicy::Stop);
    EXPECT_EQ(loop.run(), 0);
    EXPECT_EQ(m.debugcon, "B");
  }
  {
    std::string log;
    MachineLoop* loop_ptr = nullptr;
    hw::CallbackBackend sink([&](std::span<const uint8_t> bytes) {
      log.append(bytes.begin(), bytes.end());
      if (log.size() == 3) loop_ptr->stop(7);  // the third boot ends the test
    });
    config.debugcon = &sink;
    config.engine = GetParam();
    auto board = Board::create(config);
    ASSERT_TRUE(board.ok()) << board.error().message;
    MachineLoop loop(*board.value(), ResetPolicy::Reset);
    loop_ptr = &loop;
    EXPECT_EQ(loop.run(), 7);
    EXPECT_EQ(log, "BBB");
  }
}

// -kernel: the 32-bit entry state as the protocol promises it, checked by
// the "kernel" itself (ESI -> boot_params with "HdrS", CS 0x10, DS 0x18, PE).
TEST_P(MachineBoard, DirectKernelEntry) {
  Code k;                                      // 32-bit code at 1 MiB
  k({0xba}).u32(0x402)({0xb0, 'K', 0xee});     // mov edx, 0x402; mov al, 'K'; out dx, al
  k({0x81, 0xbe}).u32(0x202).u32(0x53726448);  // cmp dword [esi+0x202], "HdrS"
  const size_t bad1 = k.jump8(0x75);           // jne bad
  k({0x8c, 0xc8, 0x83, 0xf8, 0x10});           // mov eax, cs; cmp eax, 0x10
  const size_t bad2 = k.jump8(0x75);
  k({0x8c, 0xd8, 0x83, 0xf8, 0x18});  // mov eax, ds; cmp eax, 0x18
  const size_t bad3 = k.jump8(0x75);
  k({0x0f, 0x20, 0xc0, 0xa8, 0x01});                           // mov eax, cr0; test al, 1
  const size_t bad4 = k.jump8(0x74);                           // jz bad
  k({0xba}).u32(0x501)({0xb0, 0x01, 0xee, 0xf4, 0xeb, 0xfd});  // exit 3
  k.land(bad1);
  k.land(bad2);
  k.land(bad3);
  k.land(bad4);
  k({0xba}).u32(0x501)({0xb0, 0x07, 0xee, 0xf4, 0xeb, 0xfd});  // exit 15

  std::vector<uint8_t> image(3 * 512, 0);
  image[0x1f1] = 2;  // setup_sects
  image[0x201] = 0x6a;
  image[0x202] = 'H', image[0x203] = 'd', image[0x204] = 'r', image[0x205] = 'S';
  image[0x206] = 0x0f, image[0x207] = 0x02;  // protocol 2.15
  image[0x211] = 0x01;                       // LOADED_HIGH
  image[0x216] = 0x10;                       // code32_start 0x100000
  image[0x22c] = 0xff, image[0x22d] = 0xff, image[0x22e] = 0xff, image[0x22f] = 0x37;
  image[0x238] = 0xff;  // cmdline_size 255
  image.insert(image.end(), k.b.begin(), k.b.end());

  BoardConfig config;
  config.ram_bytes = 16u << 20;
  config.bios = make_bios(Code{}({0xf4}));  // never runs
  config.kernel = image;
  config.initrd = std::vector<uint8_t>(4096, 0x11);
  config.append = "console=ttyS0";
  Machine m(std::move(config), GetParam());
  ASSERT_TRUE(m.board);
  MachineLoop loop(*m.board, ResetPolicy::Reset);
  EXPECT_EQ(loop.run(), 3);
  EXPECT_EQ(m.debugcon, "K");
}

// SeaBIOS from Debian's seabios package with no disks: it initializes the
// machine and ends with "No bootable device" in its debug log (port 0x402).
TEST(MachineSeaBios, RunsToItsBootAttempt) {
  std::ifstream f("/usr/share/seabios/bios.bin", std::ios::binary);
  if (!f) GTEST_SKIP() << "Debian's seabios package is not installed";
  BoardConfig config;
  config.ram_bytes = 64u << 20;
  config.bios.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  std::ifstream vga("/usr/share/seabios/vgabios-stdvga.bin", std::ios::binary);
  config.vga_bios.assign(std::istreambuf_iterator<char>(vga), std::istreambuf_iterator<char>());
  std::string log;
  MachineLoop* loop_ptr = nullptr;
  hw::CallbackBackend sink([&](std::span<const uint8_t> bytes) {
    log.append(bytes.begin(), bytes.end());
    if (log.find("No bootable device") != std::string::npos) loop_ptr->stop(0);
  });
  config.debugcon = &sink;
  auto board = Board::create(std::move(config));
  ASSERT_TRUE(board.ok()) << board.error().message;
  MachineLoop loop(*board.value(), ResetPolicy::Stop);
  loop_ptr = &loop;
  // A safety net on the virtual clock, not a pass criterion: a firmware
  // stuck in a loop ends the test instead of hanging it.
  auto watchdog = board.value()->scheduler().make_timer([&] { loop.stop(99); });
  watchdog->arm(board.value()->scheduler().now() + 120'000'000'000);
  EXPECT_EQ(loop.run(), 0) << "SeaBIOS log:\n" << log;
  EXPECT_NE(log.find("SeaBIOS (version"), std::string::npos) << log;
}

INSTANTIATE_TEST_SUITE_P(Engines, MachineBoard,
                         testing::Values(exec::Engine::Interp, exec::Engine::Jit),
                         [](const auto& info) {
                           return info.param == exec::Engine::Jit ? "Jit" : "Interp";
                         });

}  // namespace
}  // namespace dynemu::machine
