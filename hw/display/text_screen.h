#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dynemu::display {

// An alphanumeric VGA screen: code page 437 characters with their
// attributes, row by row, and the cursor.
struct TextScreen {
  int columns = 0;
  int rows = 0;
  std::vector<uint16_t> cells;  // character | attribute << 8, row-major
  int cursor_column = 0;
  int cursor_row = 0;
  bool cursor_visible = false;

  uint8_t character(int row, int column) const { return cells[row * columns + column] & 0xff; }
  uint8_t attribute(int row, int column) const { return cells[row * columns + column] >> 8; }

  // Each row as UTF-8 (code page 437 mapped to Unicode, NUL shown as a
  // space), trailing spaces removed.
  std::vector<std::string> lines() const;
  // The rows joined with '\n', trailing blank rows dropped: what a person
  // would read off the screen (boot tests grep it).
  std::string text() const;
};

// The Unicode code point code page 437 shows for a byte.
char32_t cp437_to_unicode(uint8_t c);

}  // namespace dynemu::display
