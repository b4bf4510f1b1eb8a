#include "hw/input/scancodes.h"

#include <array>

namespace dynemu::hw {

namespace {

// The 8042's translation table (as in every AT controller and QEMU).
constexpr std::array<uint8_t, 128> kSet2ToSet1 = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

struct DomKey {
  std::string_view code;
  uint16_t key;
};

// DOM KeyboardEvent.code -> scancode set 2 (UI Events KeyboardEvent code
// values; the scancodes of a US 104/105-key PC keyboard). One row per key,
// kept out of clang-format, which would pack the rows together.
// clang-format off
constexpr DomKey kDomKeys[] = {
    {"Escape",           0x76},
    {"F1",               0x05},
    {"F2",               0x06},
    {"F3",               0x04},
    {"F4",               0x0c},
    {"F5",               0x03},
    {"F6",               0x0b},
    {"F7",               0x83},
    {"F8",               0x0a},
    {"F9",               0x01},
    {"F10",              0x09},
    {"F11",              0x78},
    {"F12",              0x07},
    {"Backquote",        0x0e},
    {"Digit1",           0x16},
    {"Digit2",           0x1e},
    {"Digit3",           0x26},
    {"Digit4",           0x25},
    {"Digit5",           0x2e},
    {"Digit6",           0x36},
    {"Digit7",           0x3d},
    {"Digit8",           0x3e},
    {"Digit9",           0x46},
    {"Digit0",           0x45},
    {"Minus",            0x4e},
    {"Equal",            0x55},
    {"Backspace",        0x66},
    {"Tab",              0x0d},
    {"KeyQ",             0x15},
    {"KeyW",             0x1d},
    {"KeyE",             0x24},
    {"KeyR",             0x2d},
    {"KeyT",             0x2c},
    {"KeyY",             0x35},
    {"KeyU",             0x3c},
    {"KeyI",             0x43},
    {"KeyO",             0x44},
    {"KeyP",             0x4d},
    {"BracketLeft",      0x54},
    {"BracketRight",     0x5b},
    {"Backslash",        0x5d},
    {"CapsLock",         0x58},
    {"KeyA",             0x1c},
    {"KeyS",             0x1b},
    {"KeyD",             0x23},
    {"KeyF",             0x2b},
    {"KeyG",             0x34},
    {"KeyH",             0x33},
    {"KeyJ",             0x3b},
    {"KeyK",             0x42},
    {"KeyL",             0x4b},
    {"Semicolon",        0x4c},
    {"Quote",            0x52},
    {"Enter",            0x5a},
    {"ShiftLeft",        0x12},
    {"IntlBackslash",    0x61},
    {"KeyZ",             0x1a},
    {"KeyX",             0x22},
    {"KeyC",             0x21},
    {"KeyV",             0x2a},
    {"KeyB",             0x32},
    {"KeyN",             0x31},
    {"KeyM",             0x3a},
    {"Comma",            0x41},
    {"Period",           0x49},
    {"Slash",            0x4a},
    {"ShiftRight",       0x59},
    {"ControlLeft",      0x14},
    {"MetaLeft",         0xe01f},
    {"AltLeft",          0x11},
    {"Space",            0x29},
    {"AltRight",         0xe011},
    {"MetaRight",        0xe027},
    {"ContextMenu",      0xe02f},
    {"ControlRight",     0xe014},
    {"PrintScreen",      kKeyPrintScreen},
    {"ScrollLock",       0x7e},
    {"Pause",            kKeyPause},
    {"Insert",           0xe070},
    {"Home",             0xe06c},
    {"PageUp",           0xe07d},
    {"Delete",           0xe071},
    {"End",              0xe069},
    {"PageDown",         0xe07a},
    {"ArrowUp",          0xe075},
    {"ArrowLeft",        0xe06b},
    {"ArrowDown",        0xe072},
    {"ArrowRight",       0xe074},
    {"NumLock",          0x77},
    {"NumpadDivide",     0xe04a},
    {"NumpadMultiply",   0x7c},
    {"NumpadSubtract",   0x7b},
    {"Numpad7",          0x6c},
    {"Numpad8",          0x75},
    {"Numpad9",          0x7d},
    {"NumpadAdd",        0x79},
    {"Numpad4",          0x6b},
    {"Numpad5",          0x73},
    {"Numpad6",          0x74},
    {"Numpad1",          0x69},
    {"Numpad2",          0x72},
    {"Numpad3",          0x7a},
    {"NumpadEnter",      0xe05a},
    {"Numpad0",          0x70},
    {"NumpadDecimal",    0x71},
    {"IntlRo",           0x51},
    {"IntlYen",          0x6a},
    {"KanaMode",         0x13},
    {"Convert",          0x64},
    {"NonConvert",       0x67},
    {"Power",            0xe037},
    {"Sleep",            0xe03f},
    {"WakeUp",           0xe05e},
    {"AudioVolumeMute",  0xe023},
    {"AudioVolumeDown",  0xe021},
    {"AudioVolumeUp",    0xe032},
};
// clang-format on

}  // namespace

uint8_t set2_to_set1(uint8_t set2) {
  if (set2 < 0x80) return kSet2ToSet1[set2];
  if (set2 == 0x83) return 0x41;
  if (set2 == 0x84) return 0x54;
  return set2;
}

std::optional<uint16_t> key_from_dom_code(std::string_view code) {
  for (const DomKey& k : kDomKeys)
    if (k.code == code) return k.key;
  return std::nullopt;
}

}  // namespace dynemu::hw
