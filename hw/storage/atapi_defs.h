#pragma once

#include <cstdint>

// SCSI/MMC vocabulary of the ATAPI CD-ROM (SPC-2, MMC-2).
namespace dynemu::hw::storage {

namespace sense {
constexpr uint8_t kNoSense = 0x00;
constexpr uint8_t kNotReady = 0x02;
constexpr uint8_t kMediumError = 0x03;
constexpr uint8_t kIllegalRequest = 0x05;
constexpr uint8_t kUnitAttention = 0x06;
}  // namespace sense

// Additional sense codes.
namespace asc {
constexpr uint8_t kUnrecoveredReadError = 0x11;
constexpr uint8_t kInvalidOpcode = 0x20;
constexpr uint8_t kLbaOutOfRange = 0x21;
constexpr uint8_t kInvalidFieldInCdb = 0x24;
constexpr uint8_t kMediumMayHaveChanged = 0x28;
constexpr uint8_t kSavingParametersNotSupported = 0x39;
constexpr uint8_t kMediumNotPresent = 0x3A;        // ASCQ 1: tray closed, 2: tray open
constexpr uint8_t kMediumRemovalPrevented = 0x53;  // ASCQ 2
}  // namespace asc

// Packet commands: (opcode, name, flags). Flags: kNeedsMedium fails with
// NOT READY when there is no disc; kAllowsAttention runs even while a unit
// attention is pending (MMC-2 4.1.6: INQUIRY, REQUEST SENSE, GET
// CONFIGURATION, GET EVENT STATUS NOTIFICATION).
#define DYNEMU_ATAPI_COMMANDS(X)                           \
  X(0x00, TEST_UNIT_READY, kNeedsMedium)                   \
  X(0x03, REQUEST_SENSE, kAllowsAttention)                 \
  X(0x12, INQUIRY, kAllowsAttention)                       \
  X(0x1B, START_STOP_UNIT, 0)                              \
  X(0x1E, PREVENT_ALLOW_MEDIUM_REMOVAL, 0)                 \
  X(0x25, READ_CAPACITY, kNeedsMedium)                     \
  X(0x28, READ_10, kNeedsMedium)                           \
  X(0x2B, SEEK_10, kNeedsMedium)                           \
  X(0x43, READ_TOC, kNeedsMedium)                          \
  X(0x46, GET_CONFIGURATION, kAllowsAttention)             \
  X(0x4A, GET_EVENT_STATUS_NOTIFICATION, kAllowsAttention) \
  X(0x51, READ_DISC_INFORMATION, kNeedsMedium)             \
  X(0x5A, MODE_SENSE_10, 0)                                \
  X(0xA8, READ_12, kNeedsMedium)                           \
  X(0xBB, SET_CD_SPEED, 0)                                 \
  X(0xBD, MECHANISM_STATUS, 0)                             \
  X(0xBE, READ_CD, kNeedsMedium)

namespace packet_flags {
constexpr unsigned kNeedsMedium = 1;
constexpr unsigned kAllowsAttention = 2;
}  // namespace packet_flags

}  // namespace dynemu::hw::storage
