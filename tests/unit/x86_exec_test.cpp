// Translator + IR interpreter on small guest programs: each snippet (GNU as
// source in the comment above its bytes) runs from 0x1000 until INT 0x80 or
// an exception; the test checks registers, flags and memory. Data lives at
// 0x2000, the stack below 0x8000, a GDT at 0x4000.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "emulator/interp/interpreter.h"
#include "emulator/ir/verifier.h"
#include "emulator/x86/cpu_state.h"
#include "emulator/x86/helpers.h"
#include "emulator/x86/lazy_flags.h"
#include "emulator/x86/translate.h"

namespace dynemu::x86 {
namespace {

// clang-format off
// mov $0xffffffff,%eax; add $1,%eax; int $0x80
constexpr uint8_t k_add_flags[] = {0xb8, 0xff, 0xff, 0xff, 0xff, 0x83, 0xc0, 0x01, 0xcd, 0x80};
// mov $0x80000000,%eax; add %eax,%eax; mov $5,%ebx; adc $0,%ebx; mov $5,%ecx; stc; sbb $2,%ecx; int $0x80
constexpr uint8_t k_adc_sbb[] = {0xb8, 0x00, 0x00, 0x00, 0x80, 0x01, 0xc0, 0xbb, 0x05, 0x00, 0x00, 0x00, 0x83, 0xd3, 0x00, 0xb9, 0x05, 0x00, 0x00, 0x00, 0xf9, 0x83, 0xd9, 0x02, 0xcd, 0x80};
// mov $0x2000,%esi; mov $0x3000,%edi; mov $5,%ecx; cld; rep movsb; int $0x80
constexpr uint8_t k_rep_movsb[] = {0xbe, 0x00, 0x20, 0x00, 0x00, 0xbf, 0x00, 0x30, 0x00, 0x00, 0xb9, 0x05, 0x00, 0x00, 0x00, 0xfc, 0xf3, 0xa4, 0xcd, 0x80};
// mov $0x3010,%edi; mov $0x11223344,%eax; mov $3,%ecx; std; rep stosl; cld; int $0x80
constexpr uint8_t k_rep_stosd_std[] = {0xbf, 0x10, 0x30, 0x00, 0x00, 0xb8, 0x44, 0x33, 0x22, 0x11, 0xb9, 0x03, 0x00, 0x00, 0x00, 0xfd, 0xf3, 0xab, 0xfc, 0xcd, 0x80};
// mov $0x2000,%edi; xor %eax,%eax; mov $-1,%ecx; repne scasb; not %ecx; dec %ecx; int $0x80
constexpr uint8_t k_repne_scasb[] = {0xbf, 0x00, 0x20, 0x00, 0x00, 0x31, 0xc0, 0xb9, 0xff, 0xff, 0xff, 0xff, 0xf2, 0xae, 0xf7, 0xd1, 0x49, 0xcd, 0x80};
// mov $0x2000,%esi; mov $0x2100,%edi; mov $8,%ecx; repe cmpsb; int $0x80
constexpr uint8_t k_repe_cmpsb[] = {0xbe, 0x00, 0x20, 0x00, 0x00, 0xbf, 0x00, 0x21, 0x00, 0x00, 0xb9, 0x08, 0x00, 0x00, 0x00, 0xf3, 0xa6, 0xcd, 0x80};
// call 1f; jmp 2f; 1: mov $7,%eax; ret; 2: add $1,%eax; int $0x80
constexpr uint8_t k_call_ret[] = {0xe8, 0x02, 0x00, 0x00, 0x00, 0xeb, 0x06, 0xb8, 0x07, 0x00, 0x00, 0x00, 0xc3, 0x83, 0xc0, 0x01, 0xcd, 0x80};
// push $0x1234; pushl $-1; pop %eax; pop %ebx; push %esp; pop %ecx; int $0x80
constexpr uint8_t k_push_pop[] = {0x68, 0x34, 0x12, 0x00, 0x00, 0x6a, 0xff, 0x58, 0x5b, 0x54, 0x59, 0xcd, 0x80};
// mov $0x12345678,%eax; mov $0x100,%ecx; mul %ecx; mov $0x100,%ecx; div %ecx; int $0x80
constexpr uint8_t k_mul_div[] = {0xb8, 0x78, 0x56, 0x34, 0x12, 0xb9, 0x00, 0x01, 0x00, 0x00, 0xf7, 0xe1, 0xb9, 0x00, 0x01, 0x00, 0x00, 0xf7, 0xf1, 0xcd, 0x80};
// mov $-3,%eax; imul $7,%eax,%ebx; mov $100000,%ecx; imul %ecx,%ecx; mov $-2,%eax; mov $3,%edx; imul %edx; int $0x80
constexpr uint8_t k_imul_forms[] = {0xb8, 0xfd, 0xff, 0xff, 0xff, 0x6b, 0xd8, 0x07, 0xb9, 0xa0, 0x86, 0x01, 0x00, 0x0f, 0xaf, 0xc9, 0xb8, 0xfe, 0xff, 0xff, 0xff, 0xba, 0x03, 0x00, 0x00, 0x00, 0xf7, 0xea, 0xcd, 0x80};
// mov $-7,%ax; mov $2,%bl; idiv %bl; int $0x80
constexpr uint8_t k_idiv8[] = {0x66, 0xb8, 0xf9, 0xff, 0xb3, 0x02, 0xf6, 0xfb, 0xcd, 0x80};
// xor %ecx,%ecx; mov $1,%eax; nop; div %ecx; int $0x80
constexpr uint8_t k_div_zero[] = {0x31, 0xc9, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x90, 0xf7, 0xf1, 0xcd, 0x80};
// mov $1,%eax; add %eax,%eax; xor %ecx,%ecx; shl %cl,%eax; int $0x80
constexpr uint8_t k_shift_count0[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0x01, 0xc0, 0x31, 0xc9, 0xd3, 0xe0, 0xcd, 0x80};
// mov $0x81,%eax; shl $1,%al; mov $0x80000001,%ebx; sar $4,%ebx; mov $0x12345678,%ecx; rol $8,%ecx; mov $0x1,%edx; ror $1,%dx; int $0x80
constexpr uint8_t k_shifts[] = {0xb8, 0x81, 0x00, 0x00, 0x00, 0xd0, 0xe0, 0xbb, 0x01, 0x00, 0x00, 0x80, 0xc1, 0xfb, 0x04, 0xb9, 0x78, 0x56, 0x34, 0x12, 0xc1, 0xc1, 0x08, 0xba, 0x01, 0x00, 0x00, 0x00, 0x66, 0xd1, 0xca, 0xcd, 0x80};
// mov $0x80,%al; stc; rcl $1,%al; mov $1,%bl; clc; rcr $1,%bl; int $0x80
constexpr uint8_t k_rcl_rcr[] = {0xb0, 0x80, 0xf9, 0xd0, 0xd0, 0xb3, 0x01, 0xf8, 0xd0, 0xdb, 0xcd, 0x80};
// mov $0x12345678,%eax; mov $0x9abcdef0,%edx; shld $8,%edx,%eax; mov $0x12345678,%ebx; mov $4,%cl; shrd %cl,%edx,%ebx; int $0x80
constexpr uint8_t k_shld_shrd[] = {0xb8, 0x78, 0x56, 0x34, 0x12, 0xba, 0xf0, 0xde, 0xbc, 0x9a, 0x0f, 0xa4, 0xd0, 0x08, 0xbb, 0x78, 0x56, 0x34, 0x12, 0xb1, 0x04, 0x0f, 0xad, 0xd3, 0xcd, 0x80};
// mov $5,%eax; mov $5,%ebx; mov $9,%ecx; cmpxchg %ecx,%ebx; mov $1,%edx; cmpxchg %ecx,%edx; int $0x80
constexpr uint8_t k_cmpxchg[] = {0xb8, 0x05, 0x00, 0x00, 0x00, 0xbb, 0x05, 0x00, 0x00, 0x00, 0xb9, 0x09, 0x00, 0x00, 0x00, 0x0f, 0xb1, 0xcb, 0xba, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xb1, 0xca, 0xcd, 0x80};
// mov $0x2000,%esi; mov (%esi),%eax; mov 4(%esi),%edx; mov $0x11111111,%ebx; mov $0x22222222,%ecx; cmpxchg8b (%esi); int $0x80
constexpr uint8_t k_cmpxchg8b[] = {0xbe, 0x00, 0x20, 0x00, 0x00, 0x8b, 0x06, 0x8b, 0x56, 0x04, 0xbb, 0x11, 0x11, 0x11, 0x11, 0xb9, 0x22, 0x22, 0x22, 0x22, 0x0f, 0xc7, 0x0e, 0xcd, 0x80};
// mov $3,%eax; mov $4,%ebx; xadd %eax,%ebx; int $0x80
constexpr uint8_t k_xadd[] = {0xb8, 0x03, 0x00, 0x00, 0x00, 0xbb, 0x04, 0x00, 0x00, 0x00, 0x0f, 0xc1, 0xc3, 0xcd, 0x80};
// mov $0x2000,%esi; mov $35,%eax; bts %eax,(%esi); mov $-1,%ebx; btr %ebx,4(%esi); int $0x80
constexpr uint8_t k_bt_mem[] = {0xbe, 0x00, 0x20, 0x00, 0x00, 0xb8, 0x23, 0x00, 0x00, 0x00, 0x0f, 0xab, 0x06, 0xbb, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xb3, 0x5e, 0x04, 0xcd, 0x80};
// mov $0x00f0,%eax; bsf %eax,%ebx; bsr %eax,%ecx; xor %edx,%edx; mov $77,%edi; bsf %edx,%edi; int $0x80
constexpr uint8_t k_bsf_bsr[] = {0xb8, 0xf0, 0x00, 0x00, 0x00, 0x0f, 0xbc, 0xd8, 0x0f, 0xbd, 0xc8, 0x31, 0xd2, 0xbf, 0x4d, 0x00, 0x00, 0x00, 0x0f, 0xbc, 0xfa, 0xcd, 0x80};
// mov $3,%eax; cmp $5,%eax; setl %bl; setg %bh; mov $9,%ecx; cmovl %ecx,%edx; cmovg %eax,%esi; int $0x80
constexpr uint8_t k_setcc_cmov[] = {0xb8, 0x03, 0x00, 0x00, 0x00, 0x83, 0xf8, 0x05, 0x0f, 0x9c, 0xc3, 0x0f, 0x9f, 0xc7, 0xb9, 0x09, 0x00, 0x00, 0x00, 0x0f, 0x4c, 0xd1, 0x0f, 0x4f, 0xf0, 0xcd, 0x80};
// mov $10,%ecx; xor %eax,%eax; 1: add %ecx,%eax; loop 1b; int $0x80
constexpr uint8_t k_loop[] = {0xb9, 0x0a, 0x00, 0x00, 0x00, 0x31, 0xc0, 0x01, 0xc8, 0xe2, 0xfc, 0xcd, 0x80};
// xor %ecx,%ecx; mov $1,%eax; jecxz 1f; mov $2,%eax; 1: int $0x80
constexpr uint8_t k_jcxz[] = {0x31, 0xc9, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xe3, 0x05, 0xb8, 0x02, 0x00, 0x00, 0x00, 0xcd, 0x80};
// mov %esp,%esi; enter $16,$0; mov %esp,%ebx; mov %ebp,%ecx; leave; mov %esp,%edx; int $0x80
constexpr uint8_t k_enter_leave[] = {0x89, 0xe6, 0xc8, 0x10, 0x00, 0x00, 0x89, 0xe3, 0x89, 0xe9, 0xc9, 0x89, 0xe2, 0xcd, 0x80};
// mov $1,%eax; mov $2,%ebx; pusha; mov $9,%eax; mov $9,%ebx; popa; int $0x80
constexpr uint8_t k_pusha_popa[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xbb, 0x02, 0x00, 0x00, 0x00, 0x60, 0xb8, 0x09, 0x00, 0x00, 0x00, 0xbb, 0x09, 0x00, 0x00, 0x00, 0x61, 0xcd, 0x80};
// mov %fs:4,%eax; mov $0x55,%ebx; mov %ebx,%fs:8; int $0x80
constexpr uint8_t k_fs_override[] = {0x64, 0xa1, 0x04, 0x00, 0x00, 0x00, 0xbb, 0x55, 0x00, 0x00, 0x00, 0x64, 0x89, 0x1d, 0x08, 0x00, 0x00, 0x00, 0xcd, 0x80};
// .byte 0x67; mov (%bx,%si),%eax; .byte 0x67; lea 2(%bp,%di),%ecx; int $0x80
constexpr uint8_t k_addr16[] = {0x67, 0x67, 0x8b, 0x00, 0x67, 0x67, 0x8d, 0x4b, 0x02, 0xcd, 0x80};
// mov $0xffff1234,%eax; add $0xf000,%ax; movzwl %ax,%ebx; movswl %ax,%ecx; int $0x80
constexpr uint8_t k_opsize16[] = {0xb8, 0x34, 0x12, 0xff, 0xff, 0x66, 0x05, 0x00, 0xf0, 0x0f, 0xb7, 0xd8, 0x0f, 0xbf, 0xc8, 0xcd, 0x80};
// xor %eax,%eax; cpuid; int $0x80
constexpr uint8_t k_cpuid[] = {0x31, 0xc0, 0x0f, 0xa2, 0xcd, 0x80};
// mov $0x19,%al; add $0x28,%al; daa; int $0x80
constexpr uint8_t k_daa[] = {0xb0, 0x19, 0x04, 0x28, 0x27, 0xcd, 0x80};
// xor %eax,%eax; stc; lahf; mov %ah,%bl; mov $0x40,%ah; sahf; setz %cl; setc %dl; int $0x80
constexpr uint8_t k_lahf_sahf[] = {0x31, 0xc0, 0xf9, 0x9f, 0x88, 0xe3, 0xb4, 0x40, 0x9e, 0x0f, 0x94, 0xc1, 0x0f, 0x92, 0xc2, 0xcd, 0x80};
// mov $0x2000,%ebx; mov $3,%al; xlat; int $0x80
constexpr uint8_t k_xlat[] = {0xbb, 0x00, 0x20, 0x00, 0x00, 0xb0, 0x03, 0xd7, 0xcd, 0x80};
// mov $0x80,%al; cbw; mov $0x80000000,%ebx; xchg %eax,%ebx; cdq; int $0x80
constexpr uint8_t k_cbw_cdq[] = {0xb0, 0x80, 0x66, 0x98, 0xbb, 0x00, 0x00, 0x00, 0x80, 0x93, 0x99, 0xcd, 0x80};
// mov $0x11223344,%eax; bswap %eax; movsbl %al,%ebx; int $0x80
constexpr uint8_t k_bswap_movsx[] = {0xb8, 0x44, 0x33, 0x22, 0x11, 0x0f, 0xc8, 0x0f, 0xbe, 0xd8, 0xcd, 0x80};
// pushf; pop %eax; push $0x8d5; popf; pushf; pop %ebx; int $0x80
constexpr uint8_t k_popf_pushf[] = {0x9c, 0x58, 0x68, 0xd5, 0x08, 0x00, 0x00, 0x9d, 0x9c, 0x5b, 0xcd, 0x80};
// nop; ud2
constexpr uint8_t k_ud2[] = {0x90, 0x0f, 0x0b};
// int3; nop
constexpr uint8_t k_int3[] = {0xcc, 0x90};
// mov $0x7fffffff,%eax; add $1,%eax; into; nop
constexpr uint8_t k_into[] = {0xb8, 0xff, 0xff, 0xff, 0x7f, 0x83, 0xc0, 0x01, 0xce, 0x90};
// nop; movaps %xmm0,%xmm1
constexpr uint8_t k_sse[] = {0x90, 0x0f, 0x28, 0xc8};
// mov $0x2000,%esi; lock addl $5,(%esi); int $0x80
constexpr uint8_t k_lock_add[] = {0xbe, 0x00, 0x20, 0x00, 0x00, 0xf0, 0x83, 0x06, 0x05, 0xcd, 0x80};
// stc; mov $0xff,%al; inc %al; dec %ebx; int $0x80
constexpr uint8_t k_inc_dec[] = {0xf9, 0xb0, 0xff, 0xfe, 0xc0, 0x4b, 0xcd, 0x80};
// mov $5,%eax; neg %eax; mov $0xf0,%bl; not %bl; int $0x80
constexpr uint8_t k_neg_not[] = {0xb8, 0x05, 0x00, 0x00, 0x00, 0xf7, 0xd8, 0xb3, 0xf0, 0xf6, 0xd3, 0xcd, 0x80};
// mov $47,%al; aam; mov %eax,%ebx; aad; int $0x80
constexpr uint8_t k_aam_aad[] = {0xb0, 0x2f, 0xd4, 0x0a, 0x89, 0xc3, 0xd5, 0x0a, 0xcd, 0x80};
// mov $0x2000,%esi; smsw %eax; int $0x80
constexpr uint8_t k_sgdt_smsw[] = {0xbe, 0x00, 0x20, 0x00, 0x00, 0x0f, 0x01, 0xe0, 0xcd, 0x80};
// int $0x21
constexpr uint8_t k_int_other[] = {0xcd, 0x21};
// hlt
constexpr uint8_t k_hlt[] = {0xf4};
// mov $0x2b,%eax; mov %eax,%gs; mov %gs,%ebx; int $0x80
constexpr uint8_t k_mov_seg[] = {0xb8, 0x2b, 0x00, 0x00, 0x00, 0x8e, 0xe8, 0x8c, 0xeb, 0xcd, 0x80};
// ljmp $0x23,$0x1008; nop; mov $1,%eax; int $0x80
constexpr uint8_t k_far_jmp[] = {0xea, 0x08, 0x10, 0x00, 0x00, 0x23, 0x00, 0x90, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xcd, 0x80};
// lcall $0x23,$0x100c; int $0x80; nop; nop; nop; mov $5,%eax; lret
constexpr uint8_t k_far_call_ret[] = {0x9a, 0x0c, 0x10, 0x00, 0x00, 0x23, 0x00, 0xcd, 0x80, 0x90, 0x90, 0x90, 0xb8, 0x05, 0x00, 0x00, 0x00, 0xcb};
// pushf; push %cs; push $0x1009; iret; nop; mov $3,%ebx; int $0x80
constexpr uint8_t k_iret_same[] = {0x9c, 0x0e, 0x68, 0x09, 0x10, 0x00, 0x00, 0xcf, 0x90, 0xbb, 0x03, 0x00, 0x00, 0x00, 0xcd, 0x80};
// ljmp $0x2b,$0x1000
constexpr uint8_t k_far_jmp_bad[] = {0xea, 0x00, 0x10, 0x00, 0x00, 0x2b, 0x00};
// mov $0x2b,%eax; lar %eax,%ebx; lsl %eax,%ecx; verw %ax; setz %dl; mov $0x33,%esi; lar %esi,%edi; setz %dh; int $0x80
constexpr uint8_t k_lar_lsl_verr[] = {0xb8, 0x2b, 0x00, 0x00, 0x00, 0x0f, 0x02, 0xd8, 0x0f, 0x03, 0xc8, 0x0f, 0x00, 0xe8, 0x0f, 0x94, 0xc2, 0xbe, 0x33, 0x00, 0x00, 0x00, 0x0f, 0x02, 0xfe, 0x0f, 0x94, 0xc6, 0xcd, 0x80};

// mov $0x2000,%esi; mov $0x3000,%edi; mov $21,%ecx; rep movsb; int $0x80
constexpr uint8_t k_rep_movsb_long[] = {0xbe, 0x00, 0x20, 0x00, 0x00, 0xbf, 0x00, 0x30, 0x00, 0x00, 0xb9, 0x15, 0x00, 0x00, 0x00, 0xf3, 0xa4, 0xcd, 0x80};
// clang-format on

enum class Stop { Syscall, Exception, Halt, Steps };

class Machine {
 public:
  Machine() : m_mem(1 << 20, 0) {
    std::memcpy(&m_mem[0x2000], "abcdefgh", 8);
    std::memcpy(&m_mem[0x2100], "abcdXfgh", 8);
    // GDT: index 4 flat code DPL 3 (0x23), index 5 flat data DPL 3 (0x2b).
    store32(0x4000 + 4 * 8, 0x0000ffff);
    store32(0x4000 + 4 * 8 + 4, 0x00cffa00);
    store32(0x4000 + 5 * 8, 0x0000ffff);
    store32(0x4000 + 5 * 8 + 4, 0x00cff200);
    s.gdtr = {0x4000, 0xff};
    s.cr[0] = 0x80050033;
    for (auto& seg : s.seg) seg = SegmentCache{0x2b, 0, 0xffffffff, 0xcff3};
    s.seg[kCs].selector = 0x23;
    s.gpr[kEsp] = 0x8000;
    write_eflags(s, 0x202);
    m_env.state = &s;
    m_env.guest_base = m_mem.data();
  }

  Stop run(const uint8_t* code, size_t len) {
    std::memcpy(&m_mem[0x1000], code, len);
    s.eip = 0x1000;
    for (int steps = 0; steps < 10000; ++steps) {
      TranslateRequest req;
      req.eip = s.eip;
      req.mode = ir::kMode32BitCode | ir::kMode32BitStack | ir::kModeFlatSegs | ir::kModeProtected;
      req.fetch = [this](uint32_t addr, uint8_t* out, uint32_t n) -> uint32_t {
        if (addr >= m_mem.size()) return 0;
        n = std::min<uint32_t>(n, static_cast<uint32_t>(m_mem.size() - addr));
        std::memcpy(out, &m_mem[addr], n);
        return n;
      };
      const ir::Block block = translate_block(req);
      const auto verified = ir::verify(block);
      EXPECT_TRUE(verified.ok()) << verified.error().message;
      if (!verified.ok()) return Stop::Steps;
      const interp::Program program = interp::Program::compile(block);
      std::vector<uint64_t> temps(program.num_slots());
      m_env.block_invalidated = false;  // as exec's loop: a mode change left the last block
      const interp::BlockExit exit = interp::run(program, m_env, temps.data());
      switch (exit.kind) {
        case interp::ExitKind::Syscall: return Stop::Syscall;
        case interp::ExitKind::Exception: return Stop::Exception;
        case interp::ExitKind::Halt: return Stop::Halt;
        default: break;
      }
    }
    return Stop::Steps;
  }
  template <size_t N>
  Stop run(const uint8_t (&code)[N]) {
    return run(code, N);
  }

  uint32_t r(Gpr g) const { return s.gpr[g]; }
  uint32_t flags() const { return read_eflags(s); }
  bool flag(uint32_t f) const { return (flags() & f) != 0; }
  uint32_t load32(uint32_t a) const {
    uint32_t v;
    std::memcpy(&v, &m_mem[a], 4);
    return v;
  }
  void store32(uint32_t a, uint32_t v) { std::memcpy(&m_mem[a], &v, 4); }
  uint8_t byte(uint32_t a) const { return m_mem[a]; }
  const ir::GuestEnv& env() const { return m_env; }

  CpuState s;

 private:
  std::vector<uint8_t> m_mem;
  ir::GuestEnv m_env;
};

TEST(X86Exec, AddFlags) {
  Machine m;
  ASSERT_EQ(m.run(k_add_flags), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0u);
  EXPECT_EQ(m.flags() & kArithFlags, kCF | kZF | kPF | kAF);
  EXPECT_EQ(m.s.eip, 0x100au);
}

TEST(X86Exec, AdcSbb) {
  Machine m;
  ASSERT_EQ(m.run(k_adc_sbb), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0u);
  EXPECT_EQ(m.r(kEbx), 6u);
  EXPECT_EQ(m.r(kEcx), 2u);
}

TEST(X86Exec, RepMovsb) {
  Machine m;
  ASSERT_EQ(m.run(k_rep_movsb), Stop::Syscall);
  EXPECT_EQ(m.load32(0x3000), 0x64636261u);
  EXPECT_EQ(m.byte(0x3004), 'e');
  EXPECT_EQ(m.byte(0x3005), 0);
  EXPECT_EQ(m.r(kEsi), 0x2005u);
  EXPECT_EQ(m.r(kEdi), 0x3005u);
  EXPECT_EQ(m.r(kEcx), 0u);
}

TEST(X86Exec, RepMovsbAcrossUnrolledIterations) {
  Machine m;
  for (uint32_t i = 0; i < 24; ++i) m.store32(0x2000 + 4 * i, 0x01010101u * (i + 1));
  ASSERT_EQ(m.run(k_rep_movsb_long), Stop::Syscall);
  for (uint32_t i = 0; i < 21; ++i) EXPECT_EQ(m.byte(0x3000 + i), m.byte(0x2000 + i)) << i;
  EXPECT_EQ(m.byte(0x3015), 0);
  EXPECT_EQ(m.r(kEcx), 0u);
  EXPECT_EQ(m.r(kEsi), 0x2015u);
  EXPECT_EQ(m.r(kEdi), 0x3015u);
}

TEST(X86Exec, RepStosdBackwards) {
  Machine m;
  ASSERT_EQ(m.run(k_rep_stosd_std), Stop::Syscall);
  EXPECT_EQ(m.load32(0x3010), 0x11223344u);
  EXPECT_EQ(m.load32(0x300c), 0x11223344u);
  EXPECT_EQ(m.load32(0x3008), 0x11223344u);
  EXPECT_EQ(m.load32(0x3004), 0u);
  EXPECT_EQ(m.r(kEdi), 0x3004u);
  EXPECT_FALSE(m.flag(kDF));
}

TEST(X86Exec, RepneScasbStrlen) {
  Machine m;
  ASSERT_EQ(m.run(k_repne_scasb), Stop::Syscall);
  EXPECT_EQ(m.r(kEcx), 8u);
  EXPECT_EQ(m.r(kEdi), 0x2009u);
}

TEST(X86Exec, RepeCmpsbStopsAtDifference) {
  Machine m;
  ASSERT_EQ(m.run(k_repe_cmpsb), Stop::Syscall);
  EXPECT_EQ(m.r(kEcx), 3u);
  EXPECT_EQ(m.r(kEsi), 0x2005u);
  EXPECT_EQ(m.r(kEdi), 0x2105u);
  EXPECT_FALSE(m.flag(kZF));
}

TEST(X86Exec, CallRet) {
  Machine m;
  ASSERT_EQ(m.run(k_call_ret), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 8u);
  EXPECT_EQ(m.r(kEsp), 0x8000u);
}

TEST(X86Exec, PushPop) {
  Machine m;
  ASSERT_EQ(m.run(k_push_pop), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0xffffffffu);
  EXPECT_EQ(m.r(kEbx), 0x1234u);
  EXPECT_EQ(m.r(kEcx), 0x8000u);
  EXPECT_EQ(m.r(kEsp), 0x8000u);
}

TEST(X86Exec, MulDiv) {
  Machine m;
  ASSERT_EQ(m.run(k_mul_div), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x12345678u);
  EXPECT_EQ(m.r(kEdx), 0u);
}

TEST(X86Exec, ImulForms) {
  Machine m;
  ASSERT_EQ(m.run(k_imul_forms), Stop::Syscall);
  EXPECT_EQ(m.r(kEbx), 0xffffffebu);
  EXPECT_EQ(m.r(kEcx), 0x540be400u);
  EXPECT_EQ(m.r(kEax), 0xfffffffau);
  EXPECT_EQ(m.r(kEdx), 0xffffffffu);
  EXPECT_FALSE(m.flag(kCF));
  EXPECT_FALSE(m.flag(kOF));
}

TEST(X86Exec, Idiv8) {
  Machine m;
  ASSERT_EQ(m.run(k_idiv8), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0xfffdu);
}

TEST(X86Exec, DivideByZeroIsPrecise) {
  Machine m;
  ASSERT_EQ(m.run(k_div_zero), Stop::Exception);
  EXPECT_EQ(m.env().vector, 0);
  EXPECT_EQ(m.s.eip, 0x1008u);
  EXPECT_EQ(m.r(kEax), 1u);
}

TEST(X86Exec, ShiftByZeroKeepsFlags) {
  Machine m;
  ASSERT_EQ(m.run(k_shift_count0), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 2u);
  EXPECT_TRUE(m.flag(kZF));
}

TEST(X86Exec, Shifts) {
  Machine m;
  ASSERT_EQ(m.run(k_shifts), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x02u);
  EXPECT_EQ(m.r(kEbx), 0xf8000000u);
  EXPECT_EQ(m.r(kEcx), 0x34567812u);
  EXPECT_EQ(m.r(kEdx), 0x8000u);
  EXPECT_TRUE(m.flag(kCF));
  EXPECT_TRUE(m.flag(kOF));
}

TEST(X86Exec, RclRcr) {
  Machine m;
  ASSERT_EQ(m.run(k_rcl_rcr), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x01u);
  EXPECT_EQ(m.r(kEbx), 0u);
  EXPECT_TRUE(m.flag(kCF));
}

TEST(X86Exec, ShldShrd) {
  Machine m;
  ASSERT_EQ(m.run(k_shld_shrd), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x3456789au);
  EXPECT_EQ(m.r(kEbx), 0x01234567u);
}

TEST(X86Exec, Cmpxchg) {
  Machine m;
  ASSERT_EQ(m.run(k_cmpxchg), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 1u);
  EXPECT_EQ(m.r(kEbx), 9u);
  EXPECT_EQ(m.r(kEdx), 1u);
  EXPECT_FALSE(m.flag(kZF));
}

TEST(X86Exec, Cmpxchg8b) {
  Machine m;
  ASSERT_EQ(m.run(k_cmpxchg8b), Stop::Syscall);
  EXPECT_EQ(m.load32(0x2000), 0x11111111u);
  EXPECT_EQ(m.load32(0x2004), 0x22222222u);
  EXPECT_TRUE(m.flag(kZF));
}

TEST(X86Exec, Xadd) {
  Machine m;
  ASSERT_EQ(m.run(k_xadd), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 4u);
  EXPECT_EQ(m.r(kEbx), 7u);
}

TEST(X86Exec, BitTestMemoryWithBitOffset) {
  Machine m;
  ASSERT_EQ(m.run(k_bt_mem), Stop::Syscall);
  EXPECT_EQ(m.byte(0x2004), 0x6d);  // 'e' | 1 << 3
  EXPECT_EQ(m.byte(0x2003), 0x64);  // bit 31 of the dword at 0x2000 was clear
  EXPECT_FALSE(m.flag(kCF));
}

TEST(X86Exec, BsfBsr) {
  Machine m;
  ASSERT_EQ(m.run(k_bsf_bsr), Stop::Syscall);
  EXPECT_EQ(m.r(kEbx), 4u);
  EXPECT_EQ(m.r(kEcx), 7u);
  EXPECT_EQ(m.r(kEdi), 77u);
  EXPECT_TRUE(m.flag(kZF));
}

TEST(X86Exec, SetccCmov) {
  Machine m;
  ASSERT_EQ(m.run(k_setcc_cmov), Stop::Syscall);
  EXPECT_EQ(m.r(kEbx), 1u);
  EXPECT_EQ(m.r(kEdx), 9u);
  EXPECT_EQ(m.r(kEsi), 0u);
}

TEST(X86Exec, Loop) {
  Machine m;
  ASSERT_EQ(m.run(k_loop), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 55u);
  EXPECT_EQ(m.r(kEcx), 0u);
}

TEST(X86Exec, Jecxz) {
  Machine m;
  ASSERT_EQ(m.run(k_jcxz), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 1u);
}

TEST(X86Exec, EnterLeave) {
  Machine m;
  ASSERT_EQ(m.run(k_enter_leave), Stop::Syscall);
  EXPECT_EQ(m.r(kEbx), 0x7fecu);
  EXPECT_EQ(m.r(kEcx), 0x7ffcu);
  EXPECT_EQ(m.r(kEdx), 0x8000u);
  EXPECT_EQ(m.r(kEbp), 0u);
}

TEST(X86Exec, PushaPopa) {
  Machine m;
  ASSERT_EQ(m.run(k_pusha_popa), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 1u);
  EXPECT_EQ(m.r(kEbx), 2u);
  EXPECT_EQ(m.r(kEsp), 0x8000u);
}

TEST(X86Exec, FsSegmentBase) {
  Machine m;
  m.s.seg[kFs].base = 0x2000;
  ASSERT_EQ(m.run(k_fs_override), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x68676665u);
  EXPECT_EQ(m.byte(0x2008), 0x55);
}

TEST(X86Exec, SixteenBitAddressing) {
  Machine m;
  m.s.gpr[kEbx] = 0xabcd2000;
  m.s.gpr[kEsi] = 0x00010004;
  m.s.gpr[kEbp] = 0x0000ffff;
  m.s.gpr[kEdi] = 3;
  ASSERT_EQ(m.run(k_addr16), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x68676665u);
  EXPECT_EQ(m.r(kEcx), 4u);
}

TEST(X86Exec, SixteenBitOperands) {
  Machine m;
  ASSERT_EQ(m.run(k_opsize16), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0xffff0234u);
  EXPECT_EQ(m.r(kEbx), 0x234u);
  EXPECT_EQ(m.r(kEcx), 0x234u);
  EXPECT_TRUE(m.flag(kCF));
}

TEST(X86Exec, Cpuid) {
  Machine m;
  ASSERT_EQ(m.run(k_cpuid), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x16u);
  EXPECT_EQ(m.r(kEbx), 0x756e6547u);
  EXPECT_EQ(m.r(kEdx), 0x49656e69u);
  EXPECT_EQ(m.r(kEcx), 0x6c65746eu);
}

// Leaves 0x15/0x16 state the TSC rate, so a guest kernel need not
// calibrate it; RDTSC and the TSC MSR count at that rate.
TEST(X86Exec, Daa) {
  Machine m;
  ASSERT_EQ(m.run(k_daa), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x47u);
  EXPECT_FALSE(m.flag(kCF));
}

TEST(X86Exec, LahfSahf) {
  Machine m;
  ASSERT_EQ(m.run(k_lahf_sahf), Stop::Syscall);
  EXPECT_EQ(m.r(kEbx), 0x47u);
  EXPECT_EQ(m.r(kEcx), 1u);
  EXPECT_EQ(m.r(kEdx), 0u);
}

TEST(X86Exec, Xlat) {
  Machine m;
  ASSERT_EQ(m.run(k_xlat), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x64u);
}

TEST(X86Exec, CbwCdq) {
  Machine m;
  ASSERT_EQ(m.run(k_cbw_cdq), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x80000000u);
  EXPECT_EQ(m.r(kEbx), 0xff80u);
  EXPECT_EQ(m.r(kEdx), 0xffffffffu);
}

TEST(X86Exec, BswapMovsx) {
  Machine m;
  ASSERT_EQ(m.run(k_bswap_movsx), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x44332211u);
  EXPECT_EQ(m.r(kEbx), 0x11u);
}

TEST(X86Exec, PopfUserModeRules) {
  Machine m;
  ASSERT_EQ(m.run(k_popf_pushf), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x202u);
  EXPECT_EQ(m.r(kEbx), 0xad7u);  // IF stays set
}

TEST(X86Exec, Ud2) {
  Machine m;
  ASSERT_EQ(m.run(k_ud2), Stop::Exception);
  EXPECT_EQ(m.env().vector, 6);
  EXPECT_EQ(m.s.eip, 0x1001u);
}

TEST(X86Exec, Int3IsATrap) {
  Machine m;
  ASSERT_EQ(m.run(k_int3), Stop::Exception);
  EXPECT_EQ(m.env().vector, 3);
  EXPECT_EQ(m.s.eip, 0x1001u);
}

TEST(X86Exec, IntoOnOverflow) {
  Machine m;
  ASSERT_EQ(m.run(k_into), Stop::Exception);
  EXPECT_EQ(m.env().vector, 4);
  EXPECT_EQ(m.s.eip, 0x1009u);
}

TEST(X86Exec, SseIsUndefined) {
  Machine m;
  ASSERT_EQ(m.run(k_sse), Stop::Exception);
  EXPECT_EQ(m.env().vector, 6);
  EXPECT_EQ(m.s.eip, 0x1001u);
}

TEST(X86Exec, LockAdd) {
  Machine m;
  ASSERT_EQ(m.run(k_lock_add), Stop::Syscall);
  EXPECT_EQ(m.load32(0x2000), 0x64636266u);
}

TEST(X86Exec, IncDecKeepCarry) {
  Machine m;
  ASSERT_EQ(m.run(k_inc_dec), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0u);
  EXPECT_EQ(m.r(kEbx), 0xffffffffu);
  EXPECT_TRUE(m.flag(kCF));
  EXPECT_TRUE(m.flag(kSF));
}

TEST(X86Exec, NegNot) {
  Machine m;
  ASSERT_EQ(m.run(k_neg_not), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0xfffffffbu);
  EXPECT_EQ(m.r(kEbx), 0x0fu);
  EXPECT_TRUE(m.flag(kCF));
}

TEST(X86Exec, AamAad) {
  Machine m;
  ASSERT_EQ(m.run(k_aam_aad), Stop::Syscall);
  EXPECT_EQ(m.r(kEbx), 0x0407u);
  EXPECT_EQ(m.r(kEax), 0x2fu);
}

TEST(X86Exec, Smsw) {
  Machine m;
  ASSERT_EQ(m.run(k_sgdt_smsw), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 0x80050033u);
}

TEST(X86Exec, IntOtherVectorIsGp) {
  Machine m;
  ASSERT_EQ(m.run(k_int_other), Stop::Exception);
  EXPECT_EQ(m.env().vector, 13);
  EXPECT_EQ(m.env().error_code, 0x21u * 8 + 2);
  EXPECT_EQ(m.s.eip, 0x1000u);
}

TEST(X86Exec, HltIsGpInUserMode) {
  Machine m;
  ASSERT_EQ(m.run(k_hlt), Stop::Exception);
  EXPECT_EQ(m.env().vector, 13);
}

TEST(X86Exec, MovSegFromGdt) {
  Machine m;
  m.s.seg[kGs] = SegmentCache{0, 0x1234, 0, 0};
  ASSERT_EQ(m.run(k_mov_seg), Stop::Syscall);
  EXPECT_EQ(m.r(kEbx), 0x2bu);
  EXPECT_EQ(m.s.seg[kGs].selector, 0x2b);
  EXPECT_EQ(m.s.seg[kGs].base, 0u);
  EXPECT_EQ(m.s.seg[kGs].limit, 0xffffffffu);
  EXPECT_EQ(m.byte(0x4000 + 5 * 8 + 5) & 1, 1);  // accessed bit set
}

TEST(X86Exec, FarJmpSamePrivilege) {
  Machine m;
  ASSERT_EQ(m.run(k_far_jmp), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 1u);
  EXPECT_EQ(m.s.seg[kCs].selector, 0x23);
}

TEST(X86Exec, FarCallAndReturn) {
  Machine m;
  ASSERT_EQ(m.run(k_far_call_ret), Stop::Syscall);
  EXPECT_EQ(m.r(kEax), 5u);
  EXPECT_EQ(m.r(kEsp), 0x8000u);
  EXPECT_EQ(m.s.eip, 0x1009u);
}

TEST(X86Exec, IretSamePrivilege) {
  Machine m;
  ASSERT_EQ(m.run(k_iret_same), Stop::Syscall);
  EXPECT_EQ(m.r(kEbx), 3u);
  EXPECT_EQ(m.r(kEsp), 0x8000u);
}

TEST(X86Exec, FarJmpToDataSegmentIsGp) {
  Machine m;
  ASSERT_EQ(m.run(k_far_jmp_bad), Stop::Exception);
  EXPECT_EQ(m.env().vector, 13);
  EXPECT_EQ(m.env().error_code, 0x28u);
  EXPECT_EQ(m.s.eip, 0x1000u);
}

TEST(X86Exec, LarLslVerw) {
  Machine m;
  ASSERT_EQ(m.run(k_lar_lsl_verr), Stop::Syscall);
  EXPECT_EQ(m.r(kEbx), 0x00c0f200u);
  EXPECT_EQ(m.r(kEcx), 0xffffffffu);
  EXPECT_EQ(m.r(kEdx), 0x0001u);
  EXPECT_EQ(m.r(kEdi), 0u);
}

}  // namespace
}  // namespace dynemu::x86
