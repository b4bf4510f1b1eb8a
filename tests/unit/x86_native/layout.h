/* The guest address space shared by native_runner.c (C, gcc -m32) and the
   emulated side (harness.cpp): both map [kMapBegin, kMapEnd), run the code
   at kCode with ESP = kStackTop and compare the data area and stack page. */
#ifndef DYNEMU_TESTS_X86_NATIVE_LAYOUT_H
#define DYNEMU_TESTS_X86_NATIVE_LAYOUT_H

#define X86N_MAP_BEGIN 0x20000u
#define X86N_MAP_END 0x50000u
/* Scratch data the generated code loads from and stores to: the first
   page takes random accesses, the second holds loop counters. */
#define X86N_DATA 0x20000u
#define X86N_DATA_SIZE 0x2000u
#define X86N_COUNTERS 0x21000u
#define X86N_CODE 0x30000u
#define X86N_CODE_MAX 0x1000u /* bytes of code (tables included) per case */
#define X86N_STACK_PAGE 0x3f000u
#define X86N_STACK_TOP 0x40000u
/* The native runner's trampoline pointers, away from everything compared. */
#define X86N_NATIVE_VARS 0x4ff00u

/* Initial contents, filled before every case on both sides. */
#define X86N_DATA_BYTE(i) ((unsigned char)((i)*37u + 11u))
#define X86N_STACK_BYTE(i) ((unsigned char)((i)*13u + 5u))

/* Flags compared: CF PF AF ZF SF DF OF. */
#define X86N_FLAGS_MASK 0xcd5u

#endif
