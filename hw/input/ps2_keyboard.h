#pragma once

// A PS/2 (MF II) keyboard.
//
// Modelled (IBM PS/2 keyboard technical reference; QEMU's ps2.c as the
// reference): reset 0xFF (ACK, BAT 0xAA), identify 0xF2 (ACK AB 83), echo
// 0xEE, set LEDs 0xED, get/set scancode set 0xF0, typematic 0xF3, enable
// 0xF4, disable-with-defaults 0xF5, defaults 0xF6, resend 0xFE, RESEND
// (0xFE) for unknown commands; every command clears pending output, as the
// keyboard does; scancode sets 1 and 2 generated from a key-event API.
// Left out: scancode set 3 (selectable and reported, but keys are still sent
// in set 2), typematic repeat (the host repeats keys itself), the set 3
// per-key type commands 0xF7-0xFD (ACKed, no effect). The output queue is
// deeper than a real keyboard's 16 bytes so pasted text is not dropped.

#include <cstdint>
#include <span>
#include <type_traits>

#include "hw/input/ps2_device.h"
#include "hw/input/scancodes.h"

namespace dynemu::hw {

class Ps2Keyboard : public Ps2Device {
 public:
  Ps2Keyboard();

  const char* name() const override { return "ps2-keyboard"; }
  void reset() override;
  void visit_state(StateVisitor& v) override;
  void write(uint8_t byte) override;

  // A key goes down or up. key: scancode set 2 make code, 0xE0xx for
  // extended keys, kKeyPause / kKeyPrintScreen (see scancodes.h). Sent in the
  // keyboard's current set; dropped while scanning is disabled or when the
  // queue has no room for the whole sequence. Returns whether it was queued.
  bool key_event(uint16_t key, bool down);
  // Raw bytes as the keyboard would send them (set 2 make/break sequences
  // when the guest uses set 2). Same rules as key_event().
  bool send_bytes(std::span<const uint8_t> bytes);

  uint8_t leds() const { return m_s.leds; }  // bit 0 Scroll, 1 Num, 2 Caps Lock
  uint8_t scancode_set() const { return m_s.scancode_set; }
  bool scanning() const { return m_s.scan_enabled; }

 private:
  void set_defaults();

  struct State {
    uint8_t scancode_set;
    uint8_t scan_enabled;
    uint8_t leds;
    uint8_t typematic;
    uint8_t expecting;  // command waiting for its argument byte, 0 if none
    uint8_t last_sent;
  };
  static_assert(std::has_unique_object_representations_v<State>);
  State m_s = {};
};

}  // namespace dynemu::hw
