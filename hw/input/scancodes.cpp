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
// values; the scancodes of a US 104/105-key PC keyboard).
#define DYNEMU_DOM_KEYS(X)                                                                                                           \
  X("Escape", 0x76)                                                                                                                  \
  X("F1", 0x05)                                                                                                                      \
  X("F2", 0x06)                                                                                                                      \
  X("F3", 0x04) X("F4", 0x0c) X("F5", 0x03) X("F6", 0x0b) X("F7", 0x83) X("F8", 0x0a) X(                                             \
      "F9", 0x01) X("F10", 0x09) X("F11", 0x78) X("F12", 0x07) X("Backquote", 0x0e)                                                  \
      X("Digit1", 0x16) X("Digit2", 0x1e) X("Digit3", 0x26) X("Digit4", 0x25) X("Digit5", 0x2e) X(                                   \
          "Digit6", 0x36) X("Digit7", 0x3d) X("Digit8", 0x3e) X("Digit9", 0x46) X("Digit0", 0x45)                                    \
          X("Minus", 0x4e) X("Equal", 0x55) X("Backspace", 0x66) X("Tab", 0x0d) X("KeyQ", 0x15)                                      \
              X("KeyW", 0x1d) X("KeyE", 0x24) X("KeyR", 0x2d) X("KeyT", 0x2c) X("KeyY", 0x35) X(                                     \
                  "KeyU", 0x3c) X("KeyI", 0x43) X("KeyO", 0x44) X("KeyP", 0x4d)                                                      \
                  X("BracketLeft", 0x54) X("BracketRight", 0x5b) X(                                                                  \
                      "Backslash", 0x5d) X("CapsLock",                                                                               \
                                           0x58) X("KeyA",                                                                           \
                                                   0x1c) X("KeyS",                                                                   \
                                                           0x1b) X("KeyD",                                                           \
                                                                   0x23) X("KeyF",                                                   \
                                                                           0x2b) X("KeyG",                                           \
                                                                                   0x34) X("KeyH",                                   \
                                                                                           0x33)                                     \
                      X("KeyJ",                                                                                                      \
                        0x3b) X("KeyK", 0x42)                                                                                        \
                          X("KeyL",                                                                                                  \
                            0x4b) X("Semicolon", 0x4c) X("Quote", 0x52)                                                              \
                              X("Enter", 0x5a) X("ShiftLeft", 0x12) X(                                                               \
                                  "IntlBackslash", 0x61) X("KeyZ",                                                                   \
                                                           0x1a) X("KeyX",                                                           \
                                                                   0x22) X("KeyC",                                                   \
                                                                           0x21) X("KeyV",                                           \
                                                                                   0x2a) X("KeyB",                                   \
                                                                                           0x32)                                     \
                                  X("KeyN",                                                                                          \
                                    0x31) X("KeyM", 0x3a)                                                                            \
                                      X("Comma", 0x41) X("Period", 0x49) X("Slash", 0x4a) X(                                         \
                                          "ShiftRight",                                                                              \
                                          0x59) X("ControlLeft", 0x14)                                                               \
                                          X("MetaLeft", 0xe01f) X("AltLeft", 0x11) X(                                                \
                                              "Space", 0x29) X("AltRight", 0xe011)                                                   \
                                              X("MetaRight", 0xe027) X("ContextMenu", 0xe02f) X(                                     \
                                                  "ControlRight",                                                                    \
                                                  0xe014) X("PrintScreen", kKeyPrintScreen)                                          \
                                                  X("ScrollLock", 0x7e) X(                                                           \
                                                      "Pause", kKeyPause) X("Insert", 0xe070)                                        \
                                                      X("Home", 0xe06c) X("PageUp", 0xe07d) X(                                       \
                                                          "Delete",                                                                  \
                                                          0xe071) X("End", 0xe069) X("PageDown", 0xe07a)                             \
                                                          X("ArrowUp", 0xe075) X("ArrowLeft", 0xe06b) X(                             \
                                                              "ArrowDown", 0xe072) X("ArrowRight",                                   \
                                                                                     0xe074)                                         \
                                                              X("NumLock", 0x77) X("NumpadDivide", 0xe04a) X(                        \
                                                                  "NumpadMultiply",                                                  \
                                                                  0x7c) X("NumpadSubtract", 0x7b)                                    \
                                                                  X("Numpad7", 0x6c) X(                                              \
                                                                      "Numpad8",                                                     \
                                                                      0x75) X("Numpad9", 0x7d)                                       \
                                                                      X("NumpadAdd", 0x79) X(                                        \
                                                                          "Numpad4",                                                 \
                                                                          0x6b) X("Numpad5", 0x73)                                   \
                                                                          X("Numpad6", 0x74) X(                                      \
                                                                              "Numpad1",                                             \
                                                                              0x69) X("Numpad2", 0x72)                               \
                                                                              X("Numpad3", 0x7a) X(                                  \
                                                                                  "NumpadEnter",                                     \
                                                                                  0xe05a)                                            \
                                                                                  X("Numpad0", 0x70) X(                              \
                                                                                      "NumpadDeci"                                   \
                                                                                      "mal",                                         \
                                                                                      0x71)                                          \
                                                                                      X("IntlR"                                      \
                                                                                        "o",                                         \
                                                                                        0x51)                                        \
                                                                                          X("Intl"                                   \
                                                                                            "Yen",                                   \
                                                                                            0x6a)                                    \
                                                                                              X("KanaMode", 0x13) X(                 \
                                                                                                  "Convert",                         \
                                                                                                  0x64)                              \
                                                                                                  X("NonConvert", 0x67) X(           \
                                                                                                      "Power",                       \
                                                                                                      0xe037)                        \
                                                                                                      X("Sleep", 0xe03f) X(          \
                                                                                                          "WakeUp",                  \
                                                                                                          0xe05e)                    \
                                                                                                          X("AudioVolumeMute",       \
                                                                                                            0xe023)                  \
                                                                                                              X("AudioVolumeDown",   \
                                                                                                                0xe021)              \
                                                                                                                  X("AudioVolumeUp", \
                                                                                                                    0xe032)

#define DYNEMU_DOM_ROW(name, code) DomKey{name, static_cast<uint16_t>(code)},
constexpr DomKey kDomKeys[] = {DYNEMU_DOM_KEYS(DYNEMU_DOM_ROW)};
#undef DYNEMU_DOM_ROW

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
