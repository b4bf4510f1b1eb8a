#include "emulator/x86/system/memory.h"

#include "emulator/core/bits.h"

namespace dynemu::x86 {
namespace {

Fault take_fault(ir::GuestEnv& env) {
  Fault f{env.vector, env.error_code, env.fault_addr};
  env.raised = false;
  return f;
}

}  // namespace

Status read_mem(ir::GuestEnv& env, Access access, uint32_t linear, void* out, uint32_t len) {
  const bool ok =
      access == Access::Supervisor ? env.read_sys(linear, out, len) : env.read(linear, out, len);
  if (!ok) return take_fault(env);
  return {};
}

Status write_mem(ir::GuestEnv& env, Access access, uint32_t linear, const void* in, uint32_t len) {
  const bool ok =
      access == Access::Supervisor ? env.write_sys(linear, in, len) : env.write(linear, in, len);
  if (!ok) return take_fault(env);
  return {};
}

Status read_value(ir::GuestEnv& env, Access access, uint32_t linear, unsigned bytes,
                  uint32_t& out) {
  uint8_t buf[4] = {};
  SYS_TRY(read_mem(env, access, linear, buf, bytes));
  out = load_le<uint32_t>(buf);
  return {};
}

Status write_value(ir::GuestEnv& env, Access access, uint32_t linear, unsigned bytes,
                   uint32_t value) {
  uint8_t buf[4];
  store_le<uint32_t>(buf, value);
  return write_mem(env, access, linear, buf, bytes);
}

}  // namespace dynemu::x86
