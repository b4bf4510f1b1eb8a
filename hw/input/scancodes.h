#pragma once

// Scancode tables shared by the keyboard and the controller, and the key
// codes of the keyboard's key-event API.

#include <cstdint>
#include <optional>
#include <string_view>

namespace dynemu::hw {

// The i8042's set 2 -> set 1 translation (the keyboard's own set 1 uses
// the same mapping). Bytes 0x80 and up pass through, except 0x83 (F7).
uint8_t set2_to_set1(uint8_t set2);

// A key, named by its scancode set 2 make code: the low byte, with 0xE000
// added for E0-prefixed (extended) keys. Pause and Print Screen, whose
// sequences are irregular, have these codes:
inline constexpr uint16_t kKeyPause = 0xe114;        // E1 14 77 E1 F0 14 F0 77, no break
inline constexpr uint16_t kKeyPrintScreen = 0xe07c;  // E0 12 E0 7C / E0 F0 7C E0 F0 12

// The key for a DOM KeyboardEvent.code ("KeyA", "Enter", "ArrowLeft", ...):
// a physical key, so every keyboard layout works. Unknown codes: nullopt.
std::optional<uint16_t> key_from_dom_code(std::string_view code);

}  // namespace dynemu::hw
