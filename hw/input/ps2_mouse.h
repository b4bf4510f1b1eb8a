#pragma once

// A PS/2 mouse, with the IntelliMouse (wheel, ID 3) and IntelliMouse
// Explorer (wheel + buttons 4/5, ID 4) extensions.
//
// Modelled (IBM PS/2 mouse technical reference, Microsoft IntelliMouse
// detection; QEMU's ps2.c as the reference): reset 0xFF (ACK, AA, 00),
// defaults 0xF6, enable/disable reporting 0xF4/0xF5, sample rate 0xF3 with
// the 200-100-80 / 200-200-80 knock sequences, resolution 0xE8, scaling
// 0xE6/0xE7, status request 0xE9, stream 0xEA / remote 0xF0 modes, read data
// 0xEB, wrap mode 0xEE/0xEC, get ID 0xF2, RESEND for unknown commands.
// Movement from move() is sent at once in stream mode (no sample-rate
// pacing, as QEMU), in packets of at most +-255 counts; what does not fit
// the queue is kept and sent as the controller drains it.
// Left out: 2:1 scaling is recorded and reported but not applied.

#include <cstdint>
#include <type_traits>

#include "hw/input/ps2_device.h"

namespace dynemu::hw {

class Ps2Mouse : public Ps2Device {
 public:
  enum Button : uint8_t { kLeft = 1, kRight = 2, kMiddle = 4, kSide = 8, kExtra = 16 };

  Ps2Mouse();

  const char* name() const override { return "ps2-mouse"; }
  void reset() override;
  void visit_state(StateVisitor& v) override;
  void write(uint8_t byte) override;

  // Relative motion in screen terms (dx right, dy down, dz wheel down) and
  // the buttons now held (Button bits).
  void move(int dx, int dy, int dz, uint8_t buttons);

  uint8_t device_id() const { return m_s.id; }
  bool reporting() const { return m_s.enabled; }

 private:
  void set_defaults();
  bool send_packet();  // one packet from the accumulated motion, if it fits
  void flush();        // stream mode: send what is accumulated
  void drained() override { flush(); }

  struct State {
    int32_t dx, dy, dz;  // motion not yet sent (screen terms)
    uint8_t enabled;
    uint8_t remote;
    uint8_t wrap;
    uint8_t scaling21;
    uint8_t resolution;
    uint8_t sample_rate;
    uint8_t id;
    uint8_t expecting;
    uint8_t buttons;
    uint8_t knock[3];  // last three sample rates set, for the ID knocks
    uint8_t dirty;     // buttons changed since the last packet
    uint8_t reserved[3];
  };
  static_assert(std::has_unique_object_representations_v<State>);
  State m_s = {};
};

}  // namespace dynemu::hw
