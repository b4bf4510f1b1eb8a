/* Shared helpers for the i386 ISA test programs: edge values, a fixed-seed
 * random generator, EFLAGS bits. Every program prints hex only, never
 * addresses or anything host-dependent, so native and emulated runs compare
 * byte for byte. */
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FL_CF 0x0001u
#define FL_PF 0x0004u
#define FL_AF 0x0010u
#define FL_ZF 0x0040u
#define FL_SF 0x0080u
#define FL_DF 0x0400u
#define FL_OF 0x0800u
/* The six arithmetic flags. */
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
/* Flags pushed by popf when we want all arithmetic flags clear / set; bit 1
 * is the always-one bit and IF (0x200) is what user mode always has. */
#define FL_IN_CLEAR 0x0202u
#define FL_IN_SET (0x0202u | FL_ARITH)

/* xorshift32 with a fixed seed: the same "random" values on every run. */
static uint32_t isa_rng_state = 0x2545f491u;
static inline uint32_t isa_rand(void) {
  uint32_t x = isa_rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  isa_rng_state = x;
  return x;
}

/* Edge values from the issue plus a few fixed random ones. */
static const uint32_t isa_edges[] = {
    0x00000000u, 0x00000001u, 0x0000007fu, 0x00000080u, 0x000000ffu, 0x00007fffu, 0x00008000u,
    0x0000ffffu, 0x7fffffffu, 0x80000000u, 0xffffffffu, 0x9e3779b9u, 0x0badf00du, 0x00c0ffeeu,
};
#define ISA_NEDGES (sizeof(isa_edges) / sizeof(isa_edges[0]))

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
