#pragma once

#include <cstdint>

namespace dynemu::ir {

// Types of IR temporaries. Guest 8- and 16-bit values live in I32 temps
// (zero-extended unless an op says otherwise); I64 is for the few places
// that need it (64-bit loads and stores, MUL/DIV double-width values).
enum class Type : uint8_t { Void, I32, I64 };

inline const char* type_name(Type t) {
  switch (t) {
    case Type::Void: return "void";
    case Type::I32: return "i32";
    case Type::I64: return "i64";
  }
  return "?";
}

// An SSA temporary: defined by exactly one instruction of its block, before
// any use. Its type is Block::temp_types[id].
struct Value {
  static constexpr uint16_t kNone = 0xffff;
  uint16_t id = kNone;

  constexpr bool valid() const { return id != kNone; }
  constexpr bool operator==(const Value&) const = default;
};

// Width of a memory access.
enum class MemSize : uint8_t { U8 = 1, U16 = 2, U32 = 4, U64 = 8 };

}  // namespace dynemu::ir
