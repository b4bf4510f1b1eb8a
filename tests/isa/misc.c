/* CPUID (only what every P6-class CPU must report, so native and emulated
 * agree), RDTSC (monotonic), ENTER/LEAVE, PUSHA/POPA (16 and 32), LAHF/SAHF,
 * PUSHF/POPF (the whole EFLAGS image), XLAT, CBW/CWDE/CWD/CDQ, MOVSX/MOVZX,
 * XCHG, CLC/STC/CMC, 16-bit operand-size forms, LEA addressing modes,
 * multi-byte NOPs. */
#include "isa.h"

static void cpuid(uint32_t leaf, uint32_t* a, uint32_t* b, uint32_t* c, uint32_t* d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static void test_cpuid(void) {
  uint32_t a, b, c, d;
  cpuid(0, &a, &b, &c, &d);
  char vendor[13];
  memcpy(vendor, &b, 4);
  memcpy(vendor + 4, &d, 4);
  memcpy(vendor + 8, &c, 4);
  vendor[12] = 0;
  int printable = 1;
  for (int i = 0; i < 12; i++) printable &= vendor[i] >= 0x20 && vendor[i] < 0x7f;
  printf("cpuid: max leaf >= 1: %d, vendor printable: %d\n", a >= 1, printable);
  cpuid(1, &a, &b, &c, &d);
  unsigned family = (a >> 8) & 0xf;
  if (family == 0xf) family += (a >> 20) & 0xff;
  printf("cpuid: family >= 6: %d, FPU %u TSC %u CX8 %u CMOV %u\n", family >= 6, d & 1, (d >> 4) & 1,
         (d >> 8) & 1, (d >> 15) & 1);
  /* The ID flag (bit 21) must be toggleable on a CPU with CPUID. */
  uint32_t f1, f2;
  __asm__ volatile(
      "pushf\n\tpop %0\n\tmov %0, %1\n\txor $0x200000, %1\n\tpush %1\n\tpopf\n\tpushf\n\tpop %1\n\t"
      "push %0\n\tpopf"
      : "=&r"(f1), "=&r"(f2)::"cc");
  printf("cpuid: ID flag toggles: %d\n", ((f1 ^ f2) & 0x200000) != 0);
}

static void test_rdtsc(void) {
  uint32_t lo1, hi1, lo2, hi2;
  __asm__ volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
  for (volatile int i = 0; i < 1000; i++) {
  }
  __asm__ volatile("rdtsc" : "=a"(lo2), "=d"(hi2));
  uint64_t t1 = (uint64_t)hi1 << 32 | lo1, t2 = (uint64_t)hi2 << 32 | lo2;
  printf("rdtsc: increases: %d\n", t2 > t1);
}

/* isa_enter_test(level, out): ENTER $8, $level from a fake outer frame whose
 * display (EBP-4, EBP-8, EBP-12) holds known words. out[0] = base - ESP,
 * out[1] = base - EBP after ENTER, out[2..13] = the 12 words from ESP up,
 * out[14] = base - EBP after LEAVE, out[15] = base (a stack address). */
__asm__(
    ".text\n"
    "isa_enter_test:\n\t"
    "push %ebp\n\tpush %ebx\n\tpush %esi\n\tpush %edi\n\t"
    "mov 20(%esp), %eax\n\t"
    "mov 24(%esp), %edi\n\t"
    "mov %esp, %esi\n\t"
    "mov %esi, 60(%edi)\n\t"
    "push $0x11111111\n\tpush $0x22222222\n\tpush $0x33333333\n\t"
    "lea 12(%esp), %ebp\n\t"
    "cmp $0, %eax\n\tjne 1f\n\tenter $8, $0\n\tjmp 5f\n"
    "1:\tcmp $1, %eax\n\tjne 2f\n\tenter $8, $1\n\tjmp 5f\n"
    "2:\tcmp $2, %eax\n\tjne 3f\n\tenter $8, $2\n\tjmp 5f\n"
    "3:\tenter $8, $3\n"
    "5:\tmov %esi, %ecx\n\tsub %esp, %ecx\n\tmov %ecx, (%edi)\n\t"
    "mov %esi, %ecx\n\tsub %ebp, %ecx\n\tmov %ecx, 4(%edi)\n\t"
    "xor %ecx, %ecx\n"
    "6:\tmov (%esp,%ecx,4), %edx\n\tmov %edx, 8(%edi,%ecx,4)\n\tinc %ecx\n\t"
    "cmp $12, %ecx\n\tjne 6b\n\t"
    "leave\n\t"
    "mov %esi, %ecx\n\tsub %ebp, %ecx\n\tmov %ecx, 56(%edi)\n\t"
    "mov %esi, %esp\n\t"
    "pop %edi\n\tpop %esi\n\tpop %ebx\n\tpop %ebp\n\tret\n");
void isa_enter_test(uint32_t level, uint32_t* out);

static void test_enter_leave(void) {
  for (uint32_t level = 0; level < 4; level++) {
    uint32_t out[16] = {0};
    isa_enter_test(level, out);
    uint32_t base = out[15];
    printf("enter $8,$%u: esp=base-%u ebp=base-%u after leave ebp=base-%u frame:", level, out[0],
           out[1], out[14]);
    /* Skip the 8 bytes of (uninitialised) locals; stop below the caller's frame. */
    for (uint32_t i = 4; i < 4 + (level ? level + 1 : 1) + 3; i++) {
      uint32_t v = out[i];
      if (v > base - 256 && v < base + 256)
        printf(" base%+d", (int)(v - base));
      else
        printf(" %08x", v);
    }
    printf("\n");
  }
}

static void test_pusha(void) {
  uint32_t out[8], out16[8];
  __asm__ volatile(
      "push %%ebp\n\tpush %%ebx\n\tpush %%esi\n\tpush %%edi\n\t"
      "mov %%esp, %%edi\n\t" /* out pointer in edx */
      "mov $0x11111111, %%eax\n\tmov $0x22222222, %%ecx\n\tmov $0x33333333, %%ebx\n\t"
      "mov $0x66666666, %%ebp\n\tmov $0x77777777, %%esi\n\t"
      "push %%edx\n\tmov $0x44444444, %%edx\n\t"
      "mov %%edi, %%ebx\n\tmov $0x88888888, %%edi\n\tmov $0x33333333, %%ebx\n\t"
      "pusha\n\t"
      /* scramble, then popa restores everything but ESP */
      "mov $0, %%eax\n\tmov $0, %%ecx\n\tmov $0, %%edx\n\tmov $0, %%ebx\n\tmov $0, %%esi\n\t"
      "mov $0, %%edi\n\tmov $0, %%ebp\n\t"
      "mov %%esp, %%eax\n\tmovl $0x99999999, 12(%%eax)\n\t" /* ESP slot is ignored */
      "popa\n\t"
      "mov %%edx, %%eax\n\tpop %%edx\n\t"
      "mov %%eax, 12(%%edx)\n\tmov %%ecx, 4(%%edx)\n\tmov %%ebx, 16(%%edx)\n\t"
      "mov %%ebp, 20(%%edx)\n\tmov %%esi, 24(%%edx)\n\tmov %%edi, 28(%%edx)\n\t"
      "mov $0x11111111, %%eax\n\tmov %%eax, (%%edx)\n\tmovl $0, 8(%%edx)\n\t"
      "pop %%edi\n\tpop %%esi\n\tpop %%ebx\n\tpop %%ebp\n\t"
      :
      : "d"(out)
      : "eax", "ecx", "memory", "cc");
  printf("popa:");
  for (int i = 0; i < 8; i++) printf(" %08x", out[i]);
  printf("\n");
  /* PUSHA/POPA 16-bit (66 prefix): 8 words, upper halves preserved by popaw. */
  __asm__ volatile(
      "push %%ebp\n\tpush %%ebx\n\tpush %%esi\n\tpush %%edi\n\tpush %%edx\n\t"
      "mov $0xaaaa1111, %%eax\n\tmov $0xbbbb2222, %%ecx\n\tmov $0xcccc3333, %%ebx\n\t"
      "mov $0xdddd6666, %%ebp\n\tmov $0xeeee7777, %%esi\n\tmov $0xffff8888, %%edi\n\t"
      "mov $0x12344444, %%edx\n\t"
      "pushaw\n\t"
      "mov %%esp, %%eax\n\tmovzwl 6(%%eax), %%eax\n\t" /* the pushed SP: keep its low 16 bits only
                                                        */
      "mov $0x55555555, %%ecx\n\tmov %%ecx, %%ebx\n\tmov %%ecx, %%ebp\n\tmov %%ecx, %%esi\n\t"
      "mov %%ecx, %%edi\n\tmov %%ecx, %%edx\n\tmov %%ecx, %%eax\n\t"
      "popaw\n\t"
      "push %%eax\n\tmov 4(%%esp), %%eax\n\t"
      "mov %%ecx, 4(%%eax)\n\tmov %%edx, 8(%%eax)\n\tmov %%ebx, 12(%%eax)\n\t"
      "mov %%ebp, 16(%%eax)\n\tmov %%esi, 20(%%eax)\n\tmov %%edi, 24(%%eax)\n\t"
      "pop %%ecx\n\tmov %%ecx, (%%eax)\n\tmovl $0, 28(%%eax)\n\t"
      "pop %%edx\n\tpop %%edi\n\tpop %%esi\n\tpop %%ebx\n\tpop %%ebp\n\t"
      :
      : "d"(out16)
      : "eax", "ecx", "memory", "cc");
  printf("popaw:");
  for (int i = 0; i < 8; i++) printf(" %08x", out16[i]);
  printf("\n");
}

static void test_flags(void) {
  /* LAHF after every arithmetic flag pattern; SAHF of every AH. */
  for (uint32_t m = 0; m < 64; m++) {
    uint32_t fin = 0x202 | (m & 1 ? FL_CF : 0) | (m & 2 ? FL_PF : 0) | (m & 4 ? FL_AF : 0) |
                   (m & 8 ? FL_ZF : 0) | (m & 16 ? FL_SF : 0) | (m & 32 ? FL_OF : 0);
    uint32_t a = 0x12345678;
    __asm__ volatile("push %1\n\tpopf\n\tlahf" : "+a"(a) : "r"(fin) : "cc");
    printf("lahf f%03x -> %08x\n", fin & FL_ARITH, a);
  }
  for (uint32_t ah = 0; ah < 256; ah += 1) {
    uint32_t a = ah << 8, f;
    __asm__ volatile("push %2\n\tpopf\n\tsahf\n\tpushf\n\tpop %1"
                     : "+a"(a), "=r"(f)
                     : "r"(0x202 | FL_OF)
                     : "cc");
    printf("sahf %02x -> f%03x\n", ah, f & FL_ARITH);
  }
  /* POPF/PUSHF round trip of the whole EFLAGS image: user mode can set the
   * arithmetic flags, DF, TF? (not tested: it traps), AC and ID; not IOPL,
   * IF, VM, RF, VIF, VIP; bits 3, 5, 15 read as 0, bit 1 as 1. */
  static const uint32_t imgs[] = {0x00000000u, 0x00000ed7u,           0x00040cd5u,
                                  0x00200000u, 0x003c7fffu & ~0x100u, 0xffffffffu & ~0x100u};
  for (unsigned i = 0; i < ARRAY_LEN(imgs); i++) {
    uint32_t f;
    __asm__ volatile("pushf\n\tpush %1\n\tpopf\n\tpushf\n\tpop %0\n\tpopf"
                     : "=&r"(f)
                     : "r"(imgs[i])
                     : "cc");
    printf("popf %08x -> pushf %08x\n", imgs[i], f);
  }
  uint32_t f16;
  __asm__ volatile(
      "pushf\n\tpushw $0x08d5\n\tpopfw\n\tpushfw\n\tpopw %%ax\n\tmovzwl %%ax, %0\n\tpopf"
      : "=r"(f16)
      :
      : "eax", "cc");
  printf("popfw/pushfw 08d5 -> %04x\n", f16);
  uint32_t fc;
  __asm__ volatile("push $0x202\n\tpopf\n\tstc\n\tcmc\n\tcmc\n\tpushf\n\tclc\n\tpop %0"
                   : "=r"(fc)::"cc");
  printf("stc cmc cmc -> f%03x\n", fc & FL_ARITH);
  __asm__ volatile("std\n\tpushf\n\tcld\n\tpop %0" : "=r"(fc)::"cc");
  printf("std -> df%u\n", (fc & FL_DF) ? 1 : 0);
}

static void test_xlat_conv(void) {
  static uint8_t table[256];
  for (int i = 0; i < 256; i++) table[i] = (uint8_t)(i * 13 + 7);
  for (uint32_t al = 0; al < 256; al += 17) {
    uint32_t a = 0xaabbcc00u | al;
    __asm__("xlat" : "+a"(a) : "b"(table));
    printf("xlat %02x -> %08x\n", al, a);
  }
  static const uint32_t vals[] = {0x0000007fu, 0x00000080u, 0x12347fffu, 0x12348000u,
                                  0x7fffffffu, 0x80000000u, 0xffffffffu};
  for (unsigned i = 0; i < ARRAY_LEN(vals); i++) {
    uint32_t a = vals[i], d = 0x5a5a5a5au;
    __asm__("cbtw" : "+a"(a));
    printf("cbw %08x -> %08x\n", vals[i], a);
    a = vals[i];
    __asm__("cwtl" : "+a"(a));
    printf("cwde %08x -> %08x\n", vals[i], a);
    a = vals[i];
    __asm__("cwtd" : "+a"(a), "+d"(d));
    printf("cwd %08x -> %08x:%08x\n", vals[i], d, a);
    a = vals[i];
    __asm__("cltd" : "+a"(a), "+d"(d));
    printf("cdq %08x -> %08x:%08x\n", vals[i], d, a);
    uint32_t r1, r2, r3, r4, r5 = 0x99999999u;
    __asm__(
        "movsbl %b4, %0\n\tmovswl %w4, %1\n\tmovzbl %b4, %2\n\tmovzwl %w4, %3\n\tmovsbw %b4, %w5"
        : "=&r"(r1), "=&r"(r2), "=&r"(r3), "=&r"(r4), "+r"(r5)
        : "q"(vals[i]));
    printf("movsx/zx %08x -> %08x %08x %08x %08x %08x\n", vals[i], r1, r2, r3, r4, r5);
    uint32_t x = vals[i], y = 0x01020304u;
    __asm__("xchgl %0, %1\n\txchgb %b0, %h1\n\txchgw %w1, %w0" : "+q"(x), "+q"(y));
    printf("xchg %08x -> %08x %08x\n", vals[i], x, y);
  }
}

static void test_op16(void) {
  /* 16-bit operand-size forms not covered by the ALU table. */
  uint32_t a = 0x1234ffff, b = 0xabcd0001, f;
  __asm__ volatile("incw %w0\n\tpushf\n\tpop %1" : "+r"(a), "=r"(f)::"cc");
  printf("incw -> %08x f%03x\n", a, f & FL_ARITH);
  __asm__ volatile("pushw %w1\n\tpopw %w0" : "+r"(a) : "r"(b));
  printf("pushw/popw -> %08x\n", a);
  uint32_t sp1, sp2;
  __asm__ volatile("mov %%esp, %0\n\tpushw $0x1234\n\tmov %%esp, %1\n\tpopw %%ax"
                   : "=&r"(sp1), "=&r"(sp2)::"eax");
  printf("pushw imm: esp-%u\n", sp1 - sp2);
  uint16_t m = 0x8000;
  __asm__ volatile("negw %0\n\tpushf\n\tpop %1" : "+m"(m), "=r"(f)::"cc");
  printf("negw mem -> %04x f%03x\n", m, f & FL_ARITH);
  a = 0x11112222;
  __asm__ volatile("movw $0x7777, %w0\n\tleaw 3(%0), %w0" : "+r"(a));
  printf("movw/leaw -> %08x\n", a);
  a = 0x0000ffff;
  __asm__ volatile("addw $1, %w0\n\tadcw $0, %w0\n\tpushf\n\tpop %1" : "+r"(a), "=r"(f)::"cc");
  printf("addw/adcw -> %08x f%03x\n", a, f & FL_ARITH);
}

static void test_lea(void) {
  uint32_t b = 0x10000000u, i = 0x00000123u, r[6];
  __asm__(
      "lea 0x7(%[b],%[i],8), %0\n\t"
      "lea -0x80(%[b],%[i],4), %1\n\t"
      "lea 0x12345678(,%[i],2), %2"
      : "=&r"(r[0]), "=&r"(r[1]), "=&r"(r[2])
      : [b] "r"(b), [i] "r"(i));
  __asm__(
      "lea (%[b],%[b]), %0\n\t"
      "lea 0x40(%[i]), %1\n\t"
      "leaw 0x1234(%[b],%[i],1), %w2"
      : "=&r"(r[3]), "=&r"(r[4]), "=&r"(r[5])
      : [b] "r"(b), [i] "r"(i), "2"(0xeeeeeeeeu));
  printf("lea:");
  for (int k = 0; k < 6; k++) printf(" %08x", r[k]);
  printf("\n");
  /* Multi-byte NOPs (0F 1F /0, P6) must do nothing. */
  uint32_t x = 5;
  __asm__ volatile("nopl (%%eax)\n\tnopw 0(%%eax,%%eax,1)\n\tnopl 0x100(%%eax)\n\tinc %0"
                   : "+r"(x));
  printf("nops -> %u\n", x);
}

int main(void) {
  test_cpuid();
  test_rdtsc();
  test_enter_leave();
  test_pusha();
  test_flags();
  test_xlat_conv();
  test_op16();
  test_lea();
  return 0;
}
