#include "emulator/x86/system/io.h"

#include "emulator/ir/opcodes.h"
#include "emulator/ir/system_bus.h"
#include "emulator/x86/system/descriptors.h"
#include "emulator/x86/system/memory.h"
#include "emulator/x86/system/segment_check.h"

namespace dynemu::x86 {
namespace {

using ir::GuestEnv;

uint32_t size_mask(unsigned size) {
  return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

uint32_t port_read(GuestEnv& env, uint16_t port, unsigned size) {
  return env.bus ? env.bus->io_read(port, size) & size_mask(size) : size_mask(size);
}

void port_write(GuestEnv& env, uint16_t port, unsigned size, uint32_t value) {
  if (env.bus) env.bus->io_write(port, size, value & size_mask(size));
}

bool raise_status(GuestEnv& env, const Status& st) {
  if (st) return false;
  env.raise(st.fault().vector, st.fault().error_code, st.fault().addr);
  return true;
}

uint64_t io_in(GuestEnv& env, uint64_t port, uint64_t size, uint64_t, uint64_t) {
  const auto p = static_cast<uint16_t>(port);
  const auto n = static_cast<unsigned>(size);
  if (raise_status(env, check_io_permission(env, p, n))) return 0;
  return port_read(env, p, n);
}

uint64_t io_out(GuestEnv& env, uint64_t port, uint64_t size, uint64_t value, uint64_t) {
  const auto p = static_cast<uint16_t>(port);
  const auto n = static_cast<unsigned>(size);
  if (raise_status(env, check_io_permission(env, p, n))) return 0;
  port_write(env, p, n, static_cast<uint32_t>(value));
  return 0;
}

constexpr uint32_t kMaxIterations = 4096;

uint64_t string_io(GuestEnv& env, uint64_t flags64, uint64_t, uint64_t, uint64_t) {
  CpuState& s = *env.state;
  const auto flags = static_cast<uint32_t>(flags64);
  const unsigned size = flags & 0xf;
  const unsigned addrsize = (flags >> 4) & 0xf;
  const bool rep = (flags >> 8) & 1;
  const unsigned seg = (flags >> 12) & 0xf;
  const bool out = (flags >> 16) & 1;
  const uint32_t amask = addrsize == 4 ? 0xffffffffu : 0xffffu;
  const auto port = static_cast<uint16_t>(s.gpr[kEdx]);
  if (raise_status(env, check_io_permission(env, port, size))) return 0;
  const uint32_t step = (s.eflags & kDF) ? 0u - size : size;
  const unsigned index = out ? kEsi : kEdi;
  const uint32_t base = out ? s.seg[seg].base : s.seg[kEs].base;
  auto set_masked = [&](unsigned reg, uint32_t v) {
    s.gpr[reg] = (s.gpr[reg] & ~amask) | (v & amask);
  };
  uint32_t done = 0;
  for (;;) {
    if (rep && (s.gpr[kEcx] & amask) == 0) return 0;
    const uint32_t offset = s.gpr[index] & amask;
    // Segment limit/type before the port is touched (INS stores to ES).
    if (raise_status(env, check_segment_access(s, out ? seg : unsigned{kEs}, offset, size, !out)))
      return 0;
    if (out) {
      uint32_t value;
      if (raise_status(env, read_value(env, Access::Cpl, base + offset, size, value))) return 0;
      port_write(env, port, size, value);
    } else {
      // The port is read before the store, as the hardware does; a #PF on
      // the store repeats the read when the instruction restarts.
      const uint32_t value = port_read(env, port, size);
      if (raise_status(env, write_value(env, Access::Cpl, base + offset, size, value))) return 0;
    }
    set_masked(index, offset + step);
    if (!rep) return 0;
    set_masked(kEcx, s.gpr[kEcx] - 1);
    if (++done == kMaxIterations) return (s.gpr[kEcx] & amask) != 0;
  }
}

constexpr uint16_t kIoEffects = ir::kReadsState | ir::kMayRaise;

}  // namespace

Status check_io_permission(GuestEnv& env, uint16_t port, unsigned size) {
  const CpuState& s = *env.state;
  if (!(s.cr[0] & 1)) return {};
  if (!(s.eflags & kVM) && cpl_of(s) <= iopl_of(s)) return {};
  const unsigned type = s.tr.flags & kSegType;
  if ((type != kTss32Available && type != kTss32Busy) || s.tr.limit < 0x67) return Fault{kVecGP, 0};
  uint32_t bitmap;
  SYS_TRY(read_value(env, Access::Supervisor, s.tr.base + 0x66, 2, bitmap));
  const uint32_t at = bitmap + port / 8;
  if (at + 1 > s.tr.limit) return Fault{kVecGP, 0};
  uint32_t bits;
  SYS_TRY(read_value(env, Access::Supervisor, s.tr.base + at, 2, bits));
  if ((bits >> (port & 7)) & ((1u << size) - 1)) return Fault{kVecGP, 0};
  return {};
}

const ir::HelperInfo kIoInHelper{"io_in", &io_in, ir::Type::I32, 2, kIoEffects | ir::kReadsMem};
const ir::HelperInfo kIoOutHelper{"io_out", &io_out, ir::Type::Void, 3, kIoEffects | ir::kReadsMem};
const ir::HelperInfo kStringIoHelper{
    "string_io", &string_io, ir::Type::I32, 1,
    ir::kReadsState | ir::kWritesState | ir::kReadsMem | ir::kWritesMem | ir::kMayRaise};

}  // namespace dynemu::x86
