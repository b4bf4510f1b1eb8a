#pragma once

#include <cstdint>

// Register bits and command codes of the ATA/ATAPI-6 task file
// (T13 1410D) shared by the channel, the disk and the CD-ROM.
namespace dynemu::hw::storage {

namespace status {
constexpr uint8_t kErr = 0x01;   // the command failed: see the error register
constexpr uint8_t kDrq = 0x08;   // a data block is ready to move through the data port
constexpr uint8_t kDsc = 0x10;   // seek complete (obsolete, but BIOSes still test it)
constexpr uint8_t kDf = 0x20;    // device fault
constexpr uint8_t kDrdy = 0x40;  // ready for commands
constexpr uint8_t kBsy = 0x80;
}  // namespace status

namespace error {
constexpr uint8_t kAbrt = 0x04;  // command aborted (unsupported or bad parameters)
constexpr uint8_t kIdnf = 0x10;  // the address is outside the medium
constexpr uint8_t kUnc = 0x40;   // uncorrectable data error (our host I/O failed)
}  // namespace error

namespace control {
constexpr uint8_t kNien = 0x02;  // INTRQ disabled
constexpr uint8_t kSrst = 0x04;  // software reset of both devices
constexpr uint8_t kHob = 0x80;   // register reads return the previous (LBA48 high) bytes
}  // namespace control

// Device register bits.
constexpr uint8_t kSelectDev = 0x10;  // device 1 (slave)
constexpr uint8_t kSelectLba = 0x40;
constexpr uint8_t kSelectObsolete = 0xA0;  // bits 7 and 5 read as one on old drives

// ATAPI interrupt reason (the sector count register during PACKET).
namespace reason {
constexpr uint8_t kCoD = 0x01;  // the transfer is the command packet
constexpr uint8_t kIo = 0x02;   // device to host
}  // namespace reason

// Command codes: (code, name).
#define DYNEMU_ATA_COMMANDS(X)          \
  X(0x00, NOP)                          \
  X(0x08, DEVICE_RESET)                 \
  X(0x10, RECALIBRATE)                  \
  X(0x20, READ_SECTORS)                 \
  X(0x21, READ_SECTORS_NORETRY)         \
  X(0x24, READ_SECTORS_EXT)             \
  X(0x25, READ_DMA_EXT)                 \
  X(0x29, READ_MULTIPLE_EXT)            \
  X(0x30, WRITE_SECTORS)                \
  X(0x31, WRITE_SECTORS_NORETRY)        \
  X(0x34, WRITE_SECTORS_EXT)            \
  X(0x35, WRITE_DMA_EXT)                \
  X(0x39, WRITE_MULTIPLE_EXT)           \
  X(0x40, READ_VERIFY)                  \
  X(0x41, READ_VERIFY_NORETRY)          \
  X(0x42, READ_VERIFY_EXT)              \
  X(0x70, SEEK)                         \
  X(0x90, EXECUTE_DEVICE_DIAGNOSTIC)    \
  X(0x91, INITIALIZE_DEVICE_PARAMETERS) \
  X(0xA0, PACKET)                       \
  X(0xA1, IDENTIFY_PACKET_DEVICE)       \
  X(0xC4, READ_MULTIPLE)                \
  X(0xC5, WRITE_MULTIPLE)               \
  X(0xC6, SET_MULTIPLE_MODE)            \
  X(0xC8, READ_DMA)                     \
  X(0xC9, READ_DMA_NORETRY)             \
  X(0xCA, WRITE_DMA)                    \
  X(0xCB, WRITE_DMA_NORETRY)            \
  X(0xE0, STANDBY_IMMEDIATE)            \
  X(0xE1, IDLE_IMMEDIATE)               \
  X(0xE2, STANDBY)                      \
  X(0xE3, IDLE)                         \
  X(0xE5, CHECK_POWER_MODE)             \
  X(0xE7, FLUSH_CACHE)                  \
  X(0xEA, FLUSH_CACHE_EXT)              \
  X(0xEC, IDENTIFY_DEVICE)              \
  X(0xEF, SET_FEATURES)

enum class AtaCommand : uint8_t {
#define DYNEMU_ATA_ENUM(code, name) name = code,
  DYNEMU_ATA_COMMANDS(DYNEMU_ATA_ENUM)
#undef DYNEMU_ATA_ENUM
};

}  // namespace dynemu::hw::storage
