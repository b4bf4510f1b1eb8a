#pragma once

#include <cstdint>

// PCI configuration space layout (PCI Local Bus Specification 2.2, 6.1):
// the type 0 header offsets and the bits of the registers dynemu decodes.
namespace dynemu::pci {

inline constexpr uint8_t kVendorId = 0x00;
inline constexpr uint8_t kDeviceId = 0x02;
inline constexpr uint8_t kCommand = 0x04;
inline constexpr uint8_t kStatus = 0x06;
inline constexpr uint8_t kRevision = 0x08;
inline constexpr uint8_t kClassProgIf = 0x09;  // class code: prog-if, subclass, class (0x09..0x0b)
inline constexpr uint8_t kCacheLineSize = 0x0c;
inline constexpr uint8_t kLatencyTimer = 0x0d;
inline constexpr uint8_t kHeaderType = 0x0e;
inline constexpr uint8_t kBar0 = 0x10;  // six 32-bit BARs, 0x10..0x27
inline constexpr uint8_t kSubsystemVendorId = 0x2c;
inline constexpr uint8_t kSubsystemId = 0x2e;
inline constexpr uint8_t kRomAddress = 0x30;
inline constexpr uint8_t kInterruptLine = 0x3c;
inline constexpr uint8_t kInterruptPin = 0x3d;
inline constexpr unsigned kHeaderSize = 0x40;

inline constexpr uint16_t kCommandIo = 1u << 0;
inline constexpr uint16_t kCommandMemory = 1u << 1;
inline constexpr uint16_t kCommandMaster = 1u << 2;
inline constexpr uint16_t kCommandParity = 1u << 6;
inline constexpr uint16_t kCommandSerr = 1u << 8;
inline constexpr uint16_t kCommandIntxDisable = 1u << 10;

inline constexpr uint16_t kStatusInterrupt = 1u << 3;
// Error bits software clears by writing ones.
inline constexpr uint16_t kStatusWriteOneToClear = 0xf900;

inline constexpr uint32_t kBarIo = 1u << 0;            // bit 0 of an I/O BAR
inline constexpr uint32_t kBarMemPrefetch = 1u << 3;   // memory BAR, prefetchable
inline constexpr uint32_t kRomEnable = 1u << 0;        // expansion ROM decode enable
inline constexpr uint8_t kHeaderMultiFunction = 0x80;  // header type bit 7

inline constexpr int kBarCount = 6;
inline constexpr int kRomSlot = 6;  // index of the expansion ROM among a device's regions

// Devices are addressed by devfn: slot (device number) in bits 7..3, function in 2..0.
constexpr uint8_t devfn(unsigned slot, unsigned function) {
  return static_cast<uint8_t>(slot << 3 | function);
}

}  // namespace dynemu::pci
