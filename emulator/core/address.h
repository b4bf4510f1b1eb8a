#pragma once

#include <compare>
#include <cstdint>

namespace dynemu {

// Addresses of different spaces are different types, so that passing a
// virtual address where a physical one is expected does not compile.
template <typename Tag>
struct Address {
  uint32_t value = 0;

  constexpr Address() = default;
  constexpr explicit Address(uint32_t v) : value(v) {}
  constexpr auto operator<=>(const Address&) const = default;
  constexpr Address operator+(uint32_t off) const { return Address(value + off); }
  constexpr uint32_t page() const { return value >> 12; }
  constexpr uint32_t page_offset() const { return value & 0xfff; }
};

using GuestVirt = Address<struct GuestVirtTag>;  // segment offset (EIP, ESI...)
using Linear = Address<struct LinearTag>;        // after segmentation
using Phys = Address<struct PhysTag>;            // after paging

inline constexpr uint32_t kPageSize = 4096;

}  // namespace dynemu
