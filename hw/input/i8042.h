#pragma once

// The Intel 8042 keyboard controller of the PC/AT (data 0x60, command and
// status 0x64) with its two PS/2 ports: keyboard (IRQ1) and mouse (IRQ12).
//
// Modelled (IBM PC/AT and PS/2 technical references; QEMU's pckbd.c as the
// reference): status register (OBF, SYS, CMD/DATA, unlocked, AUX OBF),
// command byte 0x20/0x60 (interrupt enables, SYS, port disables, set 2 ->
// set 1 translation including the F0 break prefix), internal RAM 0x21-0x3F /
// 0x61-0x7F, self test 0xAA -> 0x55, interface tests 0xAB/0xA9 -> 0x00, port
// enable/disable 0xAD/0xAE/0xA7/0xA8, password test 0xA4 -> 0xF1, input port
// 0xC0, output port read/write 0xD0/0xD1 (bit 0 reset, bit 1 A20), 0xD2/0xD3
// (write keyboard/aux output buffer), 0xD4 (write to the mouse), A20 fast
// commands 0xDD/0xDF, test inputs 0xE0, pulse output lines 0xF0-0xFF (0xFE:
// system reset). Data written to 0x60 without a pending command goes to the
// keyboard and re-enables its port. The keyboard port is read before the
// mouse port. Bytes move at once (no serial-line timing).
// Left out: the controller's parity/timeout error bits (never set).

#include <cstdint>
#include <functional>
#include <type_traits>

#include "hw/core/device.h"
#include "hw/core/io_bus.h"
#include "hw/core/irq.h"
#include "hw/input/ps2_keyboard.h"
#include "hw/input/ps2_mouse.h"

namespace dynemu::hw {

class I8042 : public Device, public PortHandler {
 public:
  I8042();

  const char* name() const override { return "i8042"; }
  void reset() override;  // the controller and both devices
  void visit_state(StateVisitor& v) override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  void attach(IoBus& bus);  // maps 0x60 and 0x64

  IrqLine& irq1() { return m_irq1; }
  IrqLine& irq12() { return m_irq12; }
  // Output port bit 1 (level true: A20 enabled); the board combines it
  // with port 0x92 into PhysMemory::set_a20.
  IrqLine& a20() { return m_a20; }
  // Output port bit 0 pulsed/written low: the board resets the machine.
  void set_reset_request(std::function<void()> cb) { m_reset_request = std::move(cb); }

  Ps2Keyboard& keyboard() { return m_kbd; }
  Ps2Mouse& mouse() { return m_mouse; }

  uint8_t command_byte() const { return m_s.ram[0]; }
  uint8_t output_port() const { return m_s.outport; }

 private:
  void refill();
  void update();
  void put_ctrl(uint8_t b);  // controller reply
  void write_command(uint8_t cmd);
  void write_data(uint8_t v);
  void set_outport(uint8_t v);

  struct State {
    uint8_t ram[32];  // ram[0] is the command byte
    uint8_t status;
    uint8_t outport;
    uint8_t pending_cmd;  // command waiting for its data byte, 0 if none
    uint8_t obf;          // output buffer full
    uint8_t out;          // output buffer
    uint8_t out_aux;      // the output byte came from the mouse
    uint8_t xlat_f0;      // translation saw a set 2 break prefix
    uint8_t ctrl_count;   // controller replies waiting for the buffer
    uint8_t ctrl_aux[4];
    uint8_t ctrl[4];
  };
  static_assert(std::has_unique_object_representations_v<State>);

  Ps2Keyboard m_kbd;
  Ps2Mouse m_mouse;
  IrqLine m_irq1, m_irq12, m_a20;
  std::function<void()> m_reset_request;
  bool m_in_refill = false;
  State m_s = {};
};

}  // namespace dynemu::hw
