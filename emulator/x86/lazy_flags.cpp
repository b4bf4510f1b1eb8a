#include "emulator/x86/lazy_flags.h"

#include "emulator/core/bits.h"

namespace dynemu::x86 {

namespace {

// ZF, SF and PF of a result of `bits` bits.
uint32_t szp(uint32_t result, uint32_t mask, uint32_t sign) {
  uint32_t f = 0;
  if ((result & mask) == 0) f |= kZF;
  if (result & sign) f |= kSF;
  if (parity_even(static_cast<uint8_t>(result))) f |= kPF;
  return f;
}

uint32_t flag_if(bool c, uint32_t flag) {
  return c ? flag : 0;
}

// The count of a shift's lazy state. A count of 0 never gets here (the
// translator then sets no cc); clamp anyway so that any state, however it
// was produced, materializes without undefined shifts.
unsigned shift_count(const LazyFlags& cc) {
  const unsigned c = cc.src2 & 31;
  return c ? c : 1;
}

// Flags of an addition a + b (+ carry) = r, all masked.
uint32_t add_flags(uint32_t a, uint32_t b, uint32_t r, bool carry_out, uint32_t mask,
                   uint32_t sign) {
  return szp(r, mask, sign) | flag_if(carry_out, kCF) | flag_if((a ^ b ^ r) & 0x10, kAF) |
         flag_if((a ^ r) & (b ^ r) & sign, kOF);
}

// Flags of a subtraction a - b (- borrow) = r, all masked.
uint32_t sub_flags(uint32_t a, uint32_t b, uint32_t r, bool borrow_out, uint32_t mask,
                   uint32_t sign) {
  return szp(r, mask, sign) | flag_if(borrow_out, kCF) | flag_if((a ^ b ^ r) & 0x10, kAF) |
         flag_if((a ^ b) & (a ^ r) & sign, kOF);
}

}  // namespace

uint32_t materialize_flags(const LazyFlags& cc) {
  const auto op = static_cast<CcOp>(cc.op);
  if (op == CcOp::Eflags) return cc.src & kArithFlags;
  if (op >= CcOp::Count) return 0;
  const unsigned bytes = cc_size(op);
  const unsigned bits = bytes * 8;
  const uint32_t mask = size_mask(bytes);
  const uint32_t sign = 1u << (bits - 1);
  const uint32_t dst = cc.dst & mask;
  const uint32_t src = cc.src & mask;

  switch (cc_kind(op)) {
    case CcKind::Add: {
      const uint32_t a = (dst - src) & mask;
      return add_flags(a, src, dst, dst < src, mask, sign);
    }
    case CcKind::Adc: {
      const uint32_t cin = cc.src2 & 1;
      const uint32_t a = (dst - src - cin) & mask;
      return add_flags(a, src, dst, cin ? dst <= src : dst < src, mask, sign);
    }
    case CcKind::Sub: {
      const uint32_t a = (dst + src) & mask;
      return sub_flags(a, src, dst, a < src, mask, sign);
    }
    case CcKind::Sbb: {
      const uint32_t bin = cc.src2 & 1;
      const uint32_t a = (dst + src + bin) & mask;
      return sub_flags(a, src, dst, bin ? a <= src : a < src, mask, sign);
    }
    case CcKind::Logic: return szp(dst, mask, sign);
    case CcKind::Inc:
      return szp(dst, mask, sign) | (cc.src2 & 1 ? kCF : 0) | flag_if((dst & 0xf) == 0, kAF) |
             flag_if(dst == sign, kOF);
    case CcKind::Dec:
      return szp(dst, mask, sign) | (cc.src2 & 1 ? kCF : 0) | flag_if((dst & 0xf) == 0xf, kAF) |
             flag_if(dst == sign - 1, kOF);
    case CcKind::Neg:
      return szp(dst, mask, sign) | flag_if(dst != 0, kCF) | flag_if((dst & 0xf) != 0, kAF) |
             flag_if(dst == sign, kOF);
    case CcKind::Shl: {
      // The last bit shifted out; counts beyond the width shift out zeros.
      const unsigned c = shift_count(cc);
      const bool cf = c <= bits && ((src >> (bits - c)) & 1);
      return szp(dst, mask, sign) | kAF | flag_if(cf, kCF) |
             flag_if(((dst & sign) != 0) != cf, kOF);
    }
    case CcKind::Shr: {
      const unsigned c = shift_count(cc);
      const bool cf = c <= bits && ((src >> (c - 1)) & 1);
      return szp(dst, mask, sign) | kAF | flag_if(cf, kCF) | flag_if(c == 1 && (src & sign), kOF);
    }
    case CcKind::Sar: {
      const unsigned c = shift_count(cc);
      const uint32_t v = sign_extend(src, bits);
      const bool cf = (static_cast<int32_t>(v) >> (c - 1 < 31 ? c - 1 : 31)) & 1;
      return szp(dst, mask, sign) | kAF | flag_if(cf, kCF);
    }
    case CcKind::Rol: {
      const bool cf = dst & 1;
      return (cc.src & kArithFlags & ~(kCF | kOF)) | flag_if(cf, kCF) |
             flag_if(((dst & sign) != 0) != cf, kOF);
    }
    case CcKind::Ror: {
      const bool msb = dst & sign;
      return (cc.src & kArithFlags & ~(kCF | kOF)) | flag_if(msb, kCF) |
             flag_if(msb != ((dst & (sign >> 1)) != 0), kOF);
    }
    case CcKind::Rcl: {
      const bool cf = cc.src & 1;
      return (cc.src & kArithFlags & ~kOF) | flag_if(((dst & sign) != 0) != cf, kOF);
    }
    case CcKind::Rcr: {
      const bool msb = dst & sign;
      return (cc.src & kArithFlags & ~kOF) | flag_if(msb != ((dst & (sign >> 1)) != 0), kOF);
    }
    case CcKind::Shld: {
      const unsigned c = shift_count(cc);
      const bool cf = c <= bits && ((src >> (bits - c)) & 1);
      // Measured: OF = CF XOR the top bit of the destination shifted
      // alone (at a count of 1, the SDM's sign change; OF = CF when a
      // 16-bit count of 16 shifts the whole destination out).
      const bool of = cf != (c < bits && ((src << c) & sign));
      return szp(dst, mask, sign) | kAF | flag_if(cf, kCF) | flag_if(of, kOF);
    }
    case CcKind::Shrd: {
      const unsigned c = shift_count(cc);
      const bool cf = c <= bits && ((src >> (c - 1)) & 1);
      // Measured: OF is the XOR of the result's top two bits here (for a
      // count of 1 that equals the SDM's sign-change rule).
      return szp(dst, mask, sign) | kAF | flag_if(cf, kCF) |
             flag_if(((dst & sign) != 0) != ((dst & (sign >> 1)) != 0), kOF);
    }
    case CcKind::Mul: {
      const bool over = src != 0;
      return (cc.src2 & (kSF | kZF | kAF | kPF)) | flag_if(over, kCF | kOF);
    }
    case CcKind::Imul: {
      const bool over = src != ((dst & sign) ? mask : 0);
      return (cc.src2 & (kSF | kZF | kAF | kPF)) | flag_if(over, kCF | kOF);
    }
    case CcKind::Bsf:
      // Measured: a zero source gives ZF PF (flags of a zero result), else
      // the flags of the index written, with ZF clear.
      return src == 0 ? kZF | kPF : szp(dst, mask, sign) & ~kZF;
    case CcKind::Bt: return (cc.src & kArithFlags & ~kCF) | flag_if(dst & 1, kCF);
    case CcKind::Div: return (cc.src & (kCF | kOF)) | kAF;
    case CcKind::Count: break;
  }
  return 0;
}

bool eval_cond(const LazyFlags& cc, unsigned cond) {
  const auto op = static_cast<CcOp>(cc.op);
  // Fast paths: comparisons and logic results decide most Jcc directly.
  switch (op) {
    case CcOp::Sub32: {
      const uint32_t b = cc.src, a = cc.dst + b;
      switch (cond & 15) {
        case kCondB: return a < b;
        case kCondNB: return a >= b;
        case kCondZ: return cc.dst == 0;
        case kCondNZ: return cc.dst != 0;
        case kCondBE: return a <= b;
        case kCondNBE: return a > b;
        case kCondL: return static_cast<int32_t>(a) < static_cast<int32_t>(b);
        case kCondNL: return static_cast<int32_t>(a) >= static_cast<int32_t>(b);
        case kCondLE: return static_cast<int32_t>(a) <= static_cast<int32_t>(b);
        case kCondNLE: return static_cast<int32_t>(a) > static_cast<int32_t>(b);
        case kCondS: return static_cast<int32_t>(cc.dst) < 0;
        case kCondNS: return static_cast<int32_t>(cc.dst) >= 0;
        default: break;
      }
      break;
    }
    case CcOp::Logic32:
      switch (cond & 15) {
        case kCondO:
        case kCondB: return false;
        case kCondNO:
        case kCondNB: return true;
        case kCondZ:
        case kCondBE: return cc.dst == 0;
        case kCondNZ:
        case kCondNBE: return cc.dst != 0;
        case kCondS:
        case kCondL: return static_cast<int32_t>(cc.dst) < 0;
        case kCondNS:
        case kCondNL: return static_cast<int32_t>(cc.dst) >= 0;
        case kCondLE: return static_cast<int32_t>(cc.dst) <= 0;
        case kCondNLE: return static_cast<int32_t>(cc.dst) > 0;
        default: break;
      }
      break;
    default: break;
  }
  const uint32_t f = materialize_flags(cc);
  bool r = false;
  switch ((cond >> 1) & 7) {
    case 0: r = f & kOF; break;
    case 1: r = f & kCF; break;
    case 2: r = f & kZF; break;
    case 3: r = f & (kCF | kZF); break;
    case 4: r = f & kSF; break;
    case 5: r = f & kPF; break;
    case 6: r = ((f & kSF) != 0) != ((f & kOF) != 0); break;
    case 7: r = (f & kZF) || (((f & kSF) != 0) != ((f & kOF) != 0)); break;
  }
  return (cond & 1) ? !r : r;
}

uint32_t read_eflags(const CpuState& s) {
  return (s.eflags & ~kArithFlags) | materialize_flags(s.cc) | 0x2;
}

void write_eflags(CpuState& s, uint32_t value) {
  s.eflags = (value & ~kArithFlags) | 0x2;
  s.cc.op = static_cast<uint32_t>(CcOp::Eflags);
  s.cc.src = value & kArithFlags;
  s.cc.dst = 0;
  s.cc.src2 = 0;
}

}  // namespace dynemu::x86
