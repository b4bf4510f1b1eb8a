#pragma once

#include <cstdint>
#include <vector>

namespace dynemu::hw {

// A device's x86 I/O ports. size is 1, 2 or 4; value holds size bytes.
class PortHandler {
 public:
  virtual ~PortHandler() = default;
  virtual uint32_t io_read(uint16_t port, unsigned size) = 0;
  virtual void io_write(uint16_t port, unsigned size, uint32_t value) = 0;
};

// The 64 KiB I/O port space of one machine.
//
// A mapping may declare the widest access its device decodes (max_size).
// Wider accesses are split by the bus into max_size pieces at consecutive
// ports, each dispatched on its own, the way the PC chipset turns a 16-bit
// IN from an 8-bit ISA device into two byte cycles (port, port+1). The
// default (4) hands the handler every access whole.
class IoBus {
 public:
  IoBus();

  // Later maps override earlier ones, port by port.
  void map(uint16_t first, uint16_t count, PortHandler* h, unsigned max_size = 4);
  void unmap(uint16_t first, uint16_t count);
  PortHandler* handler(uint16_t port) const { return m_ports[port].handler; }

  uint32_t read(uint16_t port, unsigned size);  // unmapped: all ones (0xff, 0xffff, 0xffffffff)
  void write(uint16_t port, unsigned size, uint32_t value);  // unmapped: ignored

 private:
  struct Slot {
    PortHandler* handler = nullptr;
    uint8_t max_size = 4;
  };
  std::vector<Slot> m_ports;  // 65536 entries
};

}  // namespace dynemu::hw
