#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace dynemu {

// Sign-extends the low `bits` bits of v.
constexpr uint32_t sign_extend(uint32_t v, unsigned bits) {
  const uint32_t m = 1u << (bits - 1);
  v &= (bits == 32) ? 0xffffffffu : ((1u << bits) - 1);
  return (v ^ m) - m;
}

// Mask of an operand of `bytes` bytes (1, 2 or 4).
constexpr uint32_t size_mask(unsigned bytes) {
  return bytes >= 4 ? 0xffffffffu : (1u << (bytes * 8)) - 1;
}

constexpr bool parity_even(uint8_t v) {
  return (std::popcount(v) & 1) == 0;
}

template <typename T>
inline T load_le(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
inline void store_le(void* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

}  // namespace dynemu
