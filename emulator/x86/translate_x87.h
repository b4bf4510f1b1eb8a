#pragma once

namespace dynemu::x86 {

class Translator;
struct Insn;

// The x87 hook of the translator (owned by the x87 work, see README.md).
// Called for every decoded x87 instruction: D8-DF, 9B FWAIT and 0F AE /0 /1
// (FXSAVE/FXRSTOR), i.e. every Insn whose op satisfies is_x87(insn.op).
// Emits IR for `insn` through `t` and returns true; returns false if the
// form is not implemented, in which case the translator raises #UD at it.
bool translate_x87(Translator& t, const Insn& insn);

}  // namespace dynemu::x86
