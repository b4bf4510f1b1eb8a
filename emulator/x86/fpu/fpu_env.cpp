#include "emulator/x86/fpu/fpu_env.h"

#include <cstring>

#include "emulator/core/bits.h"
#include "emulator/x86/fpu/host_x87.h"

namespace dynemu::x86::fpu {
namespace {

// The guest-visible pointer registers, which the host's images never hold
// (they carry host addresses).
struct Pointers {
  uint32_t ip = 0;
  uint16_t cs = 0;
  uint16_t opcode = 0;
  uint32_t dp = 0;
  uint16_t ds = 0;
};

Pointers pointers_of(const FpuState& s) {
  return {s.last_ip, s.last_cs, s.last_opcode, s.last_dp, s.last_ds};
}

void set_pointers(FpuState& s, const Pointers& p) {
  s.last_ip = p.ip;
  s.last_cs = p.cs;
  s.last_opcode = p.opcode & 0x7ff;
  s.last_dp = p.dp;
  s.last_ds = p.ds;
}

bool is_small(X87ImageFormat f) {
  return f == X87ImageFormat::Protected16 || f == X87ImageFormat::Real16;
}
bool is_real(X87ImageFormat f) {
  return f == X87ImageFormat::Real32 || f == X87ImageFormat::Real16;
}
unsigned env_bytes(X87ImageFormat f) {
  return is_small(f) ? 14 : 28;
}

// Writes the guest environment image from a host 28-byte image (for the
// control, status and tag words) and the guest pointers.
void encode_env(const uint8_t host[28], const Pointers& p, X87ImageFormat f, uint8_t* out) {
  const uint16_t cw = load_le<uint16_t>(host), sw = load_le<uint16_t>(host + 4),
                 tw = load_le<uint16_t>(host + 8);
  const uint16_t op = p.opcode & 0x7ff;
  if (is_small(f)) {
    const uint16_t w[7] = {
        cw,
        sw,
        tw,
        uint16_t(p.ip),
        is_real(f) ? uint16_t((p.ip >> 16 & 0xf) << 12 | op) : p.cs,
        uint16_t(p.dp),
        is_real(f) ? uint16_t((p.dp >> 16 & 0xf) << 12) : p.ds,
    };
    std::memcpy(out, w, sizeof w);
    return;
  }
  // The reserved upper halves read back as the host writes them (0xffff).
  std::memcpy(out, host, 12);
  if (is_real(f)) {
    store_le<uint32_t>(out + 12, 0xffff0000u | (p.ip & 0xffff));
    store_le<uint32_t>(out + 16, (p.ip >> 16 & 0xffff) << 12 | op);
    store_le<uint32_t>(out + 20, 0xffff0000u | (p.dp & 0xffff));
    store_le<uint32_t>(out + 24, (p.dp >> 16 & 0xffff) << 12);
  } else {
    store_le<uint32_t>(out + 12, p.ip);
    store_le<uint32_t>(out + 16, p.cs | uint32_t(op) << 16);
    store_le<uint32_t>(out + 20, p.dp);
    store_le<uint32_t>(out + 24, 0xffff0000u | p.ds);
  }
}

// Reads a guest environment image into a host 28-byte protected-mode image
// (pointer fields zero: the host never sees guest pointers) and the pointers.
Pointers decode_env(const uint8_t* in, X87ImageFormat f, uint8_t host[28]) {
  Pointers p;
  std::memset(host, 0, 28);
  if (is_small(f)) {
    uint16_t w[7];
    std::memcpy(w, in, sizeof w);
    store_le<uint32_t>(host, 0xffff0000u | w[0]);
    store_le<uint32_t>(host + 4, 0xffff0000u | w[1]);
    store_le<uint32_t>(host + 8, 0xffff0000u | w[2]);
    if (is_real(f)) {
      p.ip = w[3] | uint32_t(w[4] >> 12) << 16;
      p.opcode = w[4] & 0x7ff;
      p.dp = w[5] | uint32_t(w[6] >> 12) << 16;
    } else {
      p = {w[3], w[4], 0, w[5], w[6]};
    }
    return p;
  }
  std::memcpy(host, in, 12);
  const uint32_t d3 = load_le<uint32_t>(in + 12), d4 = load_le<uint32_t>(in + 16),
                 d5 = load_le<uint32_t>(in + 20), d6 = load_le<uint32_t>(in + 24);
  if (is_real(f)) {
    p.ip = (d3 & 0xffff) | (d4 >> 12 & 0xffff) << 16;
    p.opcode = d4 & 0x7ff;
    p.dp = (d5 & 0xffff) | (d6 >> 12 & 0xffff) << 16;
  } else {
    p = {d3, uint16_t(d4), uint16_t(d4 >> 16 & 0x7ff), d5, uint16_t(d6)};
  }
  return p;
}

}  // namespace

void store_env(FpuState& s, X87ImageFormat format, uint8_t* out) {
  const Pointers p = pointers_of(s);
  uint8_t host[28];
  host::fnstenv(s, host);
  set_pointers(s, p);
  encode_env(host, p, format, out);
}

void load_env(FpuState& s, X87ImageFormat format, const uint8_t* in) {
  uint8_t host[28];
  const Pointers p = decode_env(in, format, host);
  host::fldenv(s, host);
  set_pointers(s, p);
}

void store_state(FpuState& s, X87ImageFormat format, uint8_t* out) {
  const Pointers p = pointers_of(s);
  uint8_t host[108];
  host::fnsave(s, host);
  set_pointers(s, Pointers{});  // FNINIT clears them
  encode_env(host, p, format, out);
  std::memcpy(out + env_bytes(format), host + 28, 80);
}

void load_state(FpuState& s, X87ImageFormat format, const uint8_t* in) {
  uint8_t host[108];
  const Pointers p = decode_env(in, format, host);
  std::memcpy(host + 28, in + env_bytes(format), 80);
  host::frstor(s, host);
  set_pointers(s, p);
}

void store_fxsave(const FpuState& s, uint8_t out[kFxsaveX87Bytes]) {
  alignas(16) uint8_t host[512];
  host::fxsave(s, host);
  std::memcpy(out, host, kFxsaveX87Bytes);
  store_le<uint16_t>(out + 6, s.last_opcode & 0x7ff);
  store_le<uint32_t>(out + 8, s.last_ip);
  store_le<uint32_t>(out + 12, s.last_cs);  // bytes 14-15 reserved, zero
  store_le<uint32_t>(out + 16, s.last_dp);
  store_le<uint32_t>(out + 20, s.last_ds);
  // No SSE on the guest: MXCSR holds its reset value and MXCSR_MASK reads 0
  // ("use the default mask"), whatever the host's MXCSR is.
  store_le<uint32_t>(out + 24, 0x1f80);
  store_le<uint32_t>(out + 28, 0);
  // Reserved bytes beside each register: zero, not host leftovers.
  for (unsigned i = 0; i < 8; ++i) std::memset(out + 32 + 16 * i + 10, 0, 6);
}

void load_fxsave(FpuState& s, const uint8_t in[kFxsaveX87Bytes]) {
  uint8_t host[108];
  store_le<uint32_t>(host, 0xffff0000u | load_le<uint16_t>(in));          // FCW
  store_le<uint32_t>(host + 4, 0xffff0000u | load_le<uint16_t>(in + 2));  // FSW
  // Abridged tag (one bit per physical register, 1 = in use) to a full tag
  // word; FRSTOR only distinguishes empty from in use, and the FNSAVE that
  // follows recomputes valid/zero/special from the contents.
  const uint8_t abridged = in[4];
  uint16_t tw = 0;
  for (unsigned i = 0; i < 8; ++i)
    if (!(abridged >> i & 1)) tw |= 3u << (2 * i);
  store_le<uint32_t>(host + 8, 0xffff0000u | tw);
  std::memset(host + 12, 0, 16);
  for (unsigned i = 0; i < 8; ++i) std::memcpy(host + 28 + 10 * i, in + 32 + 16 * i, 10);
  host::frstor(s, host);
  set_pointers(
      s, Pointers{load_le<uint32_t>(in + 8), load_le<uint16_t>(in + 12), load_le<uint16_t>(in + 6),
                  load_le<uint32_t>(in + 16), load_le<uint16_t>(in + 20)});
}

}  // namespace dynemu::x86::fpu
