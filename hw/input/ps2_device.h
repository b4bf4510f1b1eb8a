#pragma once

// The device end of a PS/2 port: a byte queue towards the controller and
// the byte stream from it. The i8042 pulls bytes when its output buffer is
// free and the port is enabled; the device tells it when bytes arrive.

#include <cstdint>
#include <functional>
#include <span>

#include "hw/core/device.h"

namespace dynemu::hw {

class Ps2Device : public Device {
 public:
  // A real keyboard buffers 16 bytes; ours holds more so that keys pasted
  // faster than the guest reads are not dropped.
  static constexpr int kQueueSize = 64;

  // A byte from the controller (a command or its argument).
  virtual void write(uint8_t byte) = 0;

  bool has_data() const { return m_q.count > 0; }
  uint8_t read();  // oldest byte (0 if empty)
  size_t free_space() const { return kQueueSize - m_q.count; }

  // Called whenever bytes are queued (the controller refills its buffer).
  void set_data_ready(std::function<void()> cb) { m_data_ready = std::move(cb); }

 protected:
  // Replies every PS/2 device sends.
  enum Reply : uint8_t {
    kAck = 0xfa,
    kResend = 0xfe,
    kBatOk = 0xaa,  // self-test passed (after reset)
  };

  void queue(uint8_t b);
  void queue(std::span<const uint8_t> bytes);  // all or nothing
  void clear_queue() { m_q.count = 0; }
  virtual void drained() {}  // a byte was taken: room for more
  void visit_queue(StateVisitor& v) { v("queue", m_q); }

 private:
  struct Queue {
    uint8_t data[kQueueSize];
    uint8_t head;
    uint8_t count;
  };
  Queue m_q = {};
  std::function<void()> m_data_ready;
};

}  // namespace dynemu::hw
