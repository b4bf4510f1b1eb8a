/* Segment overrides and 16-bit addressing. %gs is glibc's TLS segment (set
 * with set_thread_area): %gs:0 holds the thread pointer. For 16-bit
 * addresses we create an LDT data segment whose base is a buffer
 * (modify_ldt), load it into %fs/%es and run 0x67-prefixed instructions with
 * small 16-bit offsets, including offset wraparound at 64 KiB. */
#include <asm/ldt.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isa.h"

#define SEGSIZE 0x10000
static uint8_t seg_buf[SEGSIZE + 64] __attribute__((aligned(16)));

static uint32_t sum_buf(void) {
  uint32_t h = 2166136261u;
  for (unsigned i = 0; i < sizeof seg_buf; i++) h = (h ^ seg_buf[i]) * 16777619u;
  return h;
}

static void fill_buf(void) {
  for (unsigned i = 0; i < sizeof seg_buf; i++) seg_buf[i] = (uint8_t)(i ^ (i >> 8) ^ 0x5a);
}

static uint16_t make_ldt_segment(void) {
  struct user_desc d;
  memset(&d, 0, sizeof d);
  d.entry_number = 1;
  d.base_addr = (uint32_t)seg_buf;
  d.limit = sizeof seg_buf - 1; /* byte granular; dword reads at 0xfffe stay inside */
  d.seg_32bit = 1;
  d.contents = 0; /* data, expand-up */
  d.read_exec_only = 0;
  d.limit_in_pages = 0;
  d.seg_not_present = 0;
  d.useable = 1;
  if (syscall(SYS_modify_ldt, 1, &d, sizeof d) != 0) {
    perror("modify_ldt");
    return 0;
  }
  return (uint16_t)(1 << 3 | 4 | 3); /* index 1, LDT, RPL 3 */
}

static void test_tls(void) {
  uint32_t self, via_lods, via_sel;
  uint16_t gs;
  __asm__("mov %%gs:0, %0" : "=r"(self));
  __asm__ volatile("gs lodsl" : "=a"(via_lods) : "S"(0));
  __asm__("mov %%gs, %0" : "=r"(gs));
  /* The same thing through a register-indirect address with the override. */
  __asm__("mov %%gs:(%1), %0" : "=r"(via_sel) : "r"(0));
  printf("gs:0 == pthread_self: %d, via lods: %d, via (reg): %d, gs is GDT RPL3: %d\n",
         self == (uint32_t)pthread_self(), via_lods == self, via_sel == self, (gs & 7) == 3);
  /* Writes through %gs: glibc keeps scratch in the TCB, use a __thread var. */
  static __thread uint32_t tvar = 0x1234;
  uint32_t off = (uint32_t)&tvar - self;
  __asm__ volatile("movl $0xfeedbeef, %%gs:(%0)" : : "r"(off) : "memory");
  printf("gs write to __thread var: %08x\n", tvar);
}

/* 16-bit addressing through %fs (data segment with base seg_buf). Each form
 * loads a dword; the results are addresses in effect: buffer contents. */
static void test_addr16(uint16_t sel) {
  static const struct {
    uint32_t bx, si, di, bp;
  } regs[] = {{0x0010, 0x0020, 0x0030, 0x0040},
              {0xfff0, 0x0020, 0x0008, 0xfffe}, /* sums wrap at 64 KiB */
              {0x8000, 0x8000, 0x7ffc, 0x0004},
              {0x12340000, 0x56780100, 0x9abc0200, 0x00000300}}; /* upper halves ignored */
  for (unsigned i = 0; i < ARRAY_LEN(regs); i++) {
    uint32_t r[10];
    uint32_t bx = regs[i].bx, si = regs[i].si, di = regs[i].di, bp = regs[i].bp;
    /* EBX, EBP and the output pointer travel through memory: EBP cannot be an
     * asm operand, and at -O0 memory operands are EBP-relative. */
    uint32_t args[3] = {bx, bp, (uint32_t)r};
    __asm__ volatile(
        "push %%ebp\n\tpush %%ebx\n\t"
        "mov %[sel], %%fs\n\t"
        "mov 0(%[out]), %%ebx\n\tmov 4(%[out]), %%ebp\n\tmov 8(%[out]), %[out]\n\t"
        "addr16 movl %%fs:(%%bx,%%si), %%eax\n\tmovl %%eax, 0(%[out])\n\t"
        "addr16 movl %%fs:1(%%bx,%%di), %%eax\n\tmovl %%eax, 4(%[out])\n\t"
        "addr16 movl %%fs:-2(%%bp,%%si), %%eax\n\tmovl %%eax, 8(%[out])\n\t"
        "addr16 movl %%fs:0x300(%%bp,%%di), %%eax\n\tmovl %%eax, 12(%[out])\n\t"
        "addr16 movl %%fs:(%%si), %%eax\n\tmovl %%eax, 16(%[out])\n\t"
        "addr16 movl %%fs:-0x7000(%%di), %%eax\n\tmovl %%eax, 20(%[out])\n\t"
        "addr16 movl %%fs:0x1234, %%eax\n\tmovl %%eax, 24(%[out])\n\t"
        "addr16 movl %%fs:0x10(%%bx), %%eax\n\tmovl %%eax, 28(%[out])\n\t"
        "addr16 movl %%fs:0(%%bp), %%eax\n\tmovl %%eax, 32(%[out])\n\t"
        "addr16 leal 0x7fff(%%bx,%%si), %%eax\n\tmovl %%eax, 36(%[out])\n\t"
        "pop %%ebx\n\tpop %%ebp\n\t"
        "xor %%eax, %%eax\n\tmov %%eax, %%fs"
        :
        : [sel] "r"((uint32_t)sel), "S"(si), "D"(di), [out] "c"(args)
        : "eax", "memory");
    printf("addr16 bx=%08x si=%08x di=%08x bp=%08x:", bx, si, di, bp);
    for (int k = 0; k < 10; k++) printf(" %08x", r[k]);
    printf("\n");
  }
  /* Stores through 16-bit addresses, and a read-modify-write. */
  fill_buf();
  __asm__ volatile(
      "push %%ebx\n\tmov %[sel], %%fs\n\t"
      "mov $0xfffc, %%ebx\n\tmov $0x0006, %%esi\n\t"
      "addr16 movl $0xa1b2c3d4, %%fs:(%%bx,%%si)\n\t" /* lands at 0x0002 */
      "addr16 addl $0x01010101, %%fs:0x20(%%si)\n\t"
      "addr16 incw %%fs:0xfffe\n\t"
      "pop %%ebx\n\txor %%eax, %%eax\n\tmov %%eax, %%fs"
      :
      : [sel] "r"((uint32_t)sel)
      : "eax", "esi", "memory", "cc");
  printf("addr16 stores: %02x%02x%02x%02x %02x%02x%02x%02x %02x%02x sum %08x\n", seg_buf[2],
         seg_buf[3], seg_buf[4], seg_buf[5], seg_buf[0x26], seg_buf[0x27], seg_buf[0x28],
         seg_buf[0x29], seg_buf[0xfffe], seg_buf[0xffff], sum_buf());
}

/* String instructions with the 0x67 prefix use SI/DI/CX; ES is the LDT
 * segment too (ES cannot be overridden for the destination). */
#define DEF_STR16(fn, insn)                                                                \
  static void fn(uint16_t sel, uint32_t* esi, uint32_t* edi, uint32_t* ecx, uint32_t* eax, \
                 uint32_t fin, uint32_t* fout) {                                           \
    uint32_t f;                                                                            \
    /* fin may be an ESP-relative memory operand: read it before pushing. */               \
    __asm__ volatile(                                                                      \
        "push %[fi]\n\tpopf\n\tpush %%es\n\tmov %[sel], %%fs\n\t"                          \
        "mov %[sel], %%es\n\t" insn                                                        \
        "\n\tpushf\n\tpop %[fo]\n\tcld\n\t"                                                \
        "pop %%es\n\tpush %%eax\n\txor %%eax, %%eax\n\tmov %%eax, %%fs\n\tpop %%eax"       \
        : "+S"(*esi), "+D"(*edi), "+c"(*ecx), "+a"(*eax), [fo] "=&d"(f)                    \
        : [sel] "b"((uint32_t)sel), [fi] "m"(fin)                                          \
        : "cc", "memory");                                                                 \
    *fout = f;                                                                             \
  }
DEF_STR16(movsb16, "addr16 fs movsb")
DEF_STR16(rep_movsw16, "addr16 rep fs movsw")
DEF_STR16(rep_movsl16, "addr16 rep fs movsl")
DEF_STR16(rep_stosb16, "addr16 rep stosb")
DEF_STR16(rep_stosl16, "addr16 rep stosl")
DEF_STR16(lodsw16, "addr16 fs lodsw")
DEF_STR16(repe_cmpsb16, "addr16 repe fs cmpsb")
DEF_STR16(repne_scasb16, "addr16 repne scasb")
DEF_STR16(xlat16, "addr16 fs xlat")
typedef void (*str16_fn)(uint16_t, uint32_t*, uint32_t*, uint32_t*, uint32_t*, uint32_t, uint32_t*);

static void test_string16(uint16_t sel) {
  static const struct {
    const char* name;
    str16_fn fn;
  } ops[] = {
      {"movsb", movsb16},           {"rep movsw", rep_movsw16},     {"rep movsl", rep_movsl16},
      {"rep stosb", rep_stosb16},   {"rep stosl", rep_stosl16},     {"lodsw", lodsw16},
      {"repe cmpsb", repe_cmpsb16}, {"repne scasb", repne_scasb16}, {"xlat", xlat16}};
  static const struct {
    uint32_t si, di, cx;
    int df;
  } cases[] = {
      {0x00000100, 0x00000200, 0x00000004, 0},
      {0x0000fffe, 0x0000fffc, 0x00000005, 0}, /* SI and DI wrap to 0 */
      {0x00000002, 0x00000001, 0x00000004, 1}, /* DF=1 wraps down past 0 */
      {0xabcd0100, 0x12340200, 0xffff0003, 0}, /* upper halves: kept, not used */
      {0x00000300, 0x00000400, 0x00010000, 0}, /* CX = 0: nothing happens */
  };
  for (unsigned o = 0; o < ARRAY_LEN(ops); o++)
    for (unsigned c = 0; c < ARRAY_LEN(cases); c++) {
      fill_buf();
      /* Make CMPS/SCAS stop a few elements in. */
      memcpy(seg_buf + 0x200, seg_buf + 0x100, 3);
      uint32_t esi = cases[c].si, edi = cases[c].di, ecx = cases[c].cx, f;
      uint32_t eax = 0x99880000u | seg_buf[(cases[c].di + 2) & 0xffff] |
                     (o == 8 ? 0 : 0); /* SCAS finds the third byte */
      if (o == 8) eax = 0x99880010u;   /* XLAT: AL index */
      ops[o].fn(sel, &esi, &edi, &ecx, &eax, 0x202 | (cases[c].df ? FL_DF : 0), &f);
      printf(
          "%s si=%08x di=%08x cx=%08x df%d -> esi=%08x edi=%08x ecx=%08x eax=%08x f%03x sum %08x\n",
          ops[o].name, cases[c].si, cases[c].di, cases[c].cx, cases[c].df, esi, edi, ecx, eax,
          f & (FL_ARITH | FL_DF), sum_buf());
    }
}

int main(void) {
  test_tls();
  uint16_t sel = make_ldt_segment();
  if (!sel) return 1;
  fill_buf();
  test_addr16(sel);
  test_string16(sel);
  /* Reading the selector back and the segment's limit via LSL. */
  uint32_t lim = 0, zf;
  __asm__("lsl %2, %0\n\tsetz %b1" : "=r"(lim), "=q"(zf) : "r"((uint32_t)sel) : "cc");
  printf("lsl: zf%u limit %08x\n", zf & 1, lim);
  return 0;
}
