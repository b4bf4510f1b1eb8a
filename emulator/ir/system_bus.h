#pragma once

#include <cstdint>

namespace dynemu::ir {

// What a system-mode CPU reaches outside itself besides memory: the I/O
// port space and the interrupt controller. The board implements it; IN/OUT
// helpers and the CPU loop call it (single-threaded with the CPU).
class SystemBus {
 public:
  virtual ~SystemBus() = default;
  virtual uint32_t io_read(uint16_t port, unsigned size) = 0;  // size 1, 2, 4
  virtual void io_write(uint16_t port, unsigned size, uint32_t value) = 0;
  // The PIC's INTA cycle: the vector to deliver, or -1 if none (spurious).
  virtual int interrupt_acknowledge() = 0;
};

}  // namespace dynemu::ir
