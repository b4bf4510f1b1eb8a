# Boot disk for x86_system_pm_qemu.sh: protected-mode probes whose results
# the guest prints on the debug console (port 0x402), one line per probe,
# so that dynemu-system-i386 and qemu-system-i386 can be compared with each
# other and with the SDM. Every fault goes through `common`, which prints
# " V<vector> <error code> [<CR2>] <EIP>" and resumes at `resume` with the
# stack of the probe. Sector 0 loads the rest with INT 13h AH=42h.
#
# Memory: IDT 0x1000, TSSs 0x2000 (main, I/O bitmap), 0x2200 (task 2),
# 0x2300 (#NP task), 0x2400 (too short), 0x2500 (T bit), page directory
# 0x10000, page table 0x11000; stacks: ring 0 0x20000, SYSENTER 0x21000,
# main 0x22000, user 0x23000, tasks 0x24000-0x26000, v8086 0x2700:0x100.
.set IDT, 0x1000
.set TSS0, 0x2000
.set TSS2, 0x2200
.set TSS3, 0x2300
.set TSS4, 0x2500
.set PD, 0x10000
.set PT, 0x11000

.code16
.globl _start
_start:
 cli
 xor %ax,%ax
 mov %ax,%ds
 mov %ax,%es
 mov %ax,%ss
 mov $0x7c00,%sp
 mov $dap,%si
 mov $0x42,%ah
 int $0x13
 lgdtl gdtr
 mov %cr0,%eax
 or $1,%eax
 mov %eax,%cr0
 ljmpl $0x08,$pm
.p2align 2
dap: .byte 0x10,0
 .word 32
 .word 0x7e00,0
 .quad 1
.p2align 3
gdt:
 .quad 0
 .quad 0x00cf9a000000ffff   # 0x08 code, DPL 0
 .quad 0x00cf92000000ffff   # 0x10 data, DPL 0
 .quad 0x00cffa000000ffff   # 0x18 code, DPL 3
 .quad 0x00cff2000000ffff   # 0x20 data, DPL 3
 .quad 0x0000890020000168   # 0x28 main TSS with a 256-byte I/O bitmap
 .quad 0x0000890022000067   # 0x30 task 2
 .quad 0x00cf12000000ffff   # 0x38 data, not present
 .quad 0x0000890024000050   # 0x40 TSS with a limit below 0x67
 .quad 0x0000890023000067   # 0x48 #NP task
 .quad 0x0000890025000067   # 0x50 T-bit task
gdt_end:
gdtr: .word gdt_end - gdt - 1
 .long gdt
idtr: .word 0x7ff
 .long IDT
.org 510
.byte 0x55,0xaa

.code32
# --- output
putc:
 push %edx
 mov $0x402,%dx
 out %al,%dx
 pop %edx
 ret
# ' ' and EAX in hex (8 digits).
hex:
 push %eax
 push %ecx
 push %edx
 mov %eax,%edx
 mov $' ',%al
 call putc
 mov $8,%ecx
1: rol $4,%edx
 mov %dl,%al
 and $15,%al
 add $'0',%al
 cmp $'9',%al
 jbe 2f
 add $7,%al
2: call putc
 loop 1b
 pop %edx
 pop %ecx
 pop %eax
 ret
.macro LINE c
 mov $'\n',%al
 call putc
 mov $\c,%al
 call putc
.endm
.macro PUT c
 mov $\c,%al
 call putc
.endm
.macro HEX x
 mov \x,%eax
 call hex
.endm
# A fault in what follows resumes at \label.
.macro PROBE label
 movl $\label,resume
 movl %esp,saved_esp
.endm
# To CPL 3 at \label with EFLAGS \fl (IRET), DS and ES the DPL 3 data
# segment (IRET to CPL 3 nulls DPL 0 ones).
.macro USER label, fl
 mov $0x23,%ax
 mov %ax,%ds
 mov %ax,%es
 push $0x23
 push $0x23000
 push $\fl
 push $0x1b
 push $\label
 iret
.endm

resume: .long 0
saved_esp: .long 0

# --- exception stubs
.macro STUB v, err
stub_\v:
 .if \err == 0
 push $0
 .endif
 push $\v
 jmp common
.endm
STUB 0,0
STUB 1,0
STUB 2,0
STUB 3,0
STUB 4,0
STUB 5,0
STUB 6,0
STUB 7,0
STUB 8,1
STUB 9,0
STUB 10,1
STUB 11,1
STUB 12,1
STUB 13,1
STUB 14,1
STUB 15,0
STUB 16,0
STUB 17,1
STUB 0x44,0
stubs:
 .long stub_0, stub_1, stub_2, stub_3, stub_4, stub_5, stub_6, stub_7, stub_8, stub_9
 .long stub_10, stub_11, stub_12, stub_13, stub_14, stub_15, stub_16, stub_17

common:
 mov $0x10,%ax
 mov %ax,%ds
 mov %ax,%es
 mov %ax,%fs
 mov %ax,%gs
 PUT ' '
 PUT 'V'
 HEX (%esp)
 HEX 4(%esp)
 cmpl $14,(%esp)
 jne 1f
 mov %cr2,%eax
 call hex
1: HEX 8(%esp)
 mov saved_esp,%esp
 jmp *resume

# set_gate: EAX vector, EBX offset, ECX access word (e.g. 0x8e00), DX selector.
set_gate:
 push %edi
 lea IDT(,%eax,8),%edi
 mov %bx,(%edi)
 mov %dx,2(%edi)
 push %ebx
 and $0xffff0000,%ebx
 or %ecx,%ebx
 mov %ebx,4(%edi)
 pop %ebx
 pop %edi
 ret
.macro GATE v, off, acc, sel=0x08
 mov $\v,%eax
 mov $\off,%ebx
 mov $\acc,%ecx
 mov $\sel,%dx
 call set_gate
.endm

# A TSS at \base starting at \eip with stack \esp, flat ring-0 segments.
.macro TASK base, eip, esp
 movl $\eip,\base+0x20
 movl $2,\base+0x24
 movl $\esp,\base+0x38
 movl $0x10,\base+0x48
 movl $0x08,\base+0x4c
 movl $0x10,\base+0x50
 movl $0x10,\base+0x54
 movl $0x10,\base+0x58
 movl $0x10,\base+0x5c
 movw $0x68,\base+0x66
.endm

pm:
 mov $0x10,%ax
 mov %ax,%ds
 mov %ax,%es
 mov %ax,%fs
 mov %ax,%gs
 mov %ax,%ss
 mov $0x22000,%esp
 mov $0xff,%al
 out %al,$0x21
 out %al,$0xa1
 cld
 xor %eax,%eax
 mov $IDT,%edi
 mov $0x1800,%ecx
 rep stosb
 mov $PD,%edi
 mov $0x2000,%ecx
 rep stosb
 # IDT: stubs for 0-17 (interrupt gates, DPL 0), 0x44 (DPL 3).
 xor %esi,%esi
1: mov %esi,%eax
 mov stubs(,%esi,4),%ebx
 mov $0x8e00,%ecx
 mov $0x08,%dx
 call set_gate
 inc %esi
 cmp $18,%esi
 jb 1b
 GATE 0x44, stub_0x44, 0xee00
 lidt idtr
 # Main TSS: ring-0 stack, I/O bitmap at 0x68 allowing port 0x80 only.
 movl $0x20000,TSS0+4
 movl $0x10,TSS0+8
 movw $0x68,TSS0+0x66
 mov $TSS0+0x68,%edi
 mov $0xff,%al
 mov $0x101,%ecx
 rep stosb
 movb $0xfe,TSS0+0x68+0x10
 mov $0x28,%ax
 ltr %ax

# S: SYSEXIT to CPL 3 and SYSENTER back (CS, SS, ESP in user mode; EFLAGS,
# CS, SS, ESP after SYSENTER: IF cleared); SYSEXIT at CPL 3 and SYSENTER
# with SYSENTER_CS 0 are #GP(0).
 LINE 'S'
 mov $0x174,%ecx
 mov $0x08,%eax
 xor %edx,%edx
 wrmsr
 inc %ecx
 mov $0x21000,%eax
 wrmsr
 inc %ecx
 mov $sys_entry,%eax
 wrmsr
 PROBE s_done
 sti
 mov $user_s,%edx
 mov $0x23000,%ecx
 sysexit
user_s:
 mov %cs,%ebx
 mov %ss,%esi
 mov %esp,%edi
 sysenter
sys_entry:
 pushf
 pop %ebp
 HEX %ebx
 HEX %esi
 HEX %edi
 HEX %ebp
 mov %cs,%eax
 call hex
 mov %ss,%eax
 call hex
 HEX %esp
 mov $0x22000,%esp
 PROBE s2
 mov $user_s2,%edx
 mov $0x23000,%ecx
 sysexit
user_s2:
 sysexit
s2:
 PROBE s_done
 mov $0x174,%ecx
 xor %eax,%eax
 xor %edx,%edx
 wrmsr
 sysenter
s_done:

# N: a null GS or FS used at CPL 0 is #GP(0) (SDM vol. 3, 5.4.1), as is
# DS at CPL 3 after an IRET to CPL 3 nulled it (DPL 0). A null GS loaded
# but not used is no fault.
 LINE 'N'
 PROBE n2
 xor %eax,%eax
 mov %ax,%gs
 mov %gs:0x100,%eax
 PUT '!'
n2:
 PROBE n3
 xor %eax,%eax
 mov %ax,%fs
 movl $1,%fs:0x100
 PUT '!'
n3:
 PROBE n_done
 push $0x23
 push $0x23000
 push $2
 push $0x1b
 push $user_n
 iret
user_n:
 mov %ds,%ebx
 mov (%ebx),%eax
 int $0x44
n_done:
 mov $0x10,%ax
 mov %ax,%fs
 mov %ax,%gs

# T: INT through a task gate: back link, NT and busy bits in the new task
# and after its IRET; an exception through a task gate pushes its error
# code on the new task's stack; JMP to a too-short TSS is #TS(selector),
# to a busy one #GP(selector).
 LINE 'T'
 TASK TSS2, task2, 0x24000
 TASK TSS3, np_task, 0x25000
 GATE 0x41, 0, 0x8500, 0x30
 GATE 11, 0, 0x8500, 0x48
 int $0x41
 pushf
 pop %eax
 and $0x4000,%eax
 call hex
 movzbl gdt+0x2d,%eax
 call hex
 movzbl gdt+0x35,%eax
 call hex
 mov $0x38,%ax
 mov %ax,%ds
 PUT 'm'
 mov $11,%eax
 mov $stub_11,%ebx
 mov $0x8e00,%ecx
 mov $0x08,%dx
 call set_gate
 PROBE t2
 ljmp $0x40,$0
t2:
 PROBE t_done
 ljmp $0x28,$0
t_done:

# B: the T bit of the new task's TSS: #DB in the new task before its first
# instruction, DR6.BT set.
 LINE 'B'
 TASK TSS4, t4_entry, 0x26000
 movb $1,TSS4+0x64
 GATE 1, db_handler, 0x8e00
 GATE 0x43, 0, 0x8500, 0x50
 xor %eax,%eax
 mov %eax,%dr6
 int $0x43
 PUT 'b'
 GATE 1, stub_1, 0x8e00

# I: I/O permission at CPL 3, IOPL 0: port 0x80 allowed by the bitmap,
# 0x81 not, a word at 0x80 (0x81 denied), a port past the bitmap, CLI;
# IOPL 3 allows all.
 LINE 'I'
 PROBE i2
 USER user_i1, 0x2
user_i1:
 in $0x80,%al
 int $0x44
i2:
 PROBE i3
 USER user_i2, 0x2
user_i2:
 out %al,$0x81
 int $0x44
i3:
 PROBE i4
 USER user_i3, 0x2
user_i3:
 in $0x80,%ax
 int $0x44
i4:
 PROBE i5
 USER user_i4, 0x2
user_i4:
 mov $0x900,%dx
 in %dx,%al
 int $0x44
i5:
 PROBE i6
 USER user_i5, 0x2
user_i5:
 cli
 int $0x44
i6:
 PROBE i_done
 USER user_i6, 0x3002
user_i6:
 mov $0x900,%dx
 in %dx,%al
 int $0x44
i_done:

# V: virtual-8086 mode. IOPL 3: INT n through a 386 interrupt gate to CPL 0
# (frame EIP CS EFLAGS ESP SS ES DS FS GS, data segments zeroed). IOPL 0:
# INT n and CLI are #GP(0); IN of a bitmap-allowed port works, OUT to a
# denied one is #GP(0).
 LINE 'V'
 GATE 0x42, v86_int, 0xee00
 PROBE v2
 push $0x4444
 push $0x3333
 push $0x1111
 push $0x2222
 push $0x2700
 push $0x100
 push $0x23002
 push $0x07c0
 push $v86_code-0x7c00
 iret
v2:
 PROBE v3
 push $0
 push $0
 push $0
 push $0
 push $0x2700
 push $0x100
 push $0x20002
 push $0x07c0
 push $v86_code-0x7c00
 iret
v3:
 PROBE v4
 push $0
 push $0
 push $0
 push $0
 push $0x2700
 push $0x100
 push $0x20002
 push $0x07c0
 push $v86_cli-0x7c00
 iret
v4:
 PROBE v_done
 push $0
 push $0
 push $0
 push $0
 push $0x2700
 push $0x100
 push $0x20002
 push $0x07c0
 push $v86_io-0x7c00
 iret
v_done:

# P: paging. A 4 MiB page's A and D bits; a 4 KiB page table with a
# not-present page, read-only and read/write supervisor pages, read-only
# and read/write user pages: #PF error codes and CR2, CR0.WP at CPL 0, the
# A/D bits of PTEs, INVLPG.
 LINE 'P'
 movl $0x00000087,PD          # 0-4 MiB, user, writable
 movl $0x00800087,PD+8        # 8-12 MiB
 movl $PT+7,PD+12             # 12-16 MiB through PT
 movl $0x00c00000,PT          # not present
 movl $0x00c01001,PT+4        # supervisor, read-only
 movl $0x00c02003,PT+8        # supervisor, writable
 movl $0x00c03005,PT+12       # user, read-only
 movl $0x00c04007,PT+16       # user, writable
 movl $0x12345678,0xc05000
 mov $PD,%eax
 mov %eax,%cr3
 mov %cr4,%eax
 or $0x10,%eax
 mov %eax,%cr4
 mov %cr0,%eax
 or $0x80000000,%eax
 mov %eax,%cr0
 mov 0x800000,%eax
 HEX PD+8
 movl $1,0x800004
 HEX PD+8
 PROBE p2
 mov 0xc00010,%eax
 PUT '!'
p2:
 PROBE p3
 movl $1,0xc01004
 HEX PT+4
 mov %cr0,%eax
 or $0x10000,%eax
 mov %eax,%cr0
 movl $1,0xc01008
 PUT '!'
p3:
 PROBE p4
 USER user_p1, 0x2
user_p1:
 mov 0xc02000,%eax
 int $0x44
p4:
 PROBE p5
 USER user_p2, 0x2
user_p2:
 movl $1,0xc03000
 int $0x44
p5:
 PROBE p6
 USER user_p3, 0x2
user_p3:
 movl $1,0xc00000
 int $0x44
p6:
 PROBE p7
 USER user_p4, 0x2
user_p4:
 mov 0xc03000,%eax
 movl $1,0xc04000
 int $0x44
p7:
 HEX PT+12
 HEX PT+16
 HEX PT+8
 movl $0x00c05007,PT+16
 invlpg 0xc04000
 HEX 0xc04000
 mov %cr0,%eax
 and $0x7ffeffff,%eax
 mov %eax,%cr0

# D: a contributory exception while delivering one is #DF(0); INT n to a
# not-present gate is #NP(vector*8+2), past the IDT limit #GP(vector*8+2),
# through a DPL 0 gate at CPL 3 #GP(vector*8+2); loading SS with a
# not-present segment is #SS(selector), far JMP to a data segment
# #GP(selector).
 LINE 'D'
 PROBE d2
 andb $0x7f,IDT+13*8+5
 mov $0x1234,%ax
 mov %ax,%ds
d2:
 orb $0x80,IDT+13*8+5
 PROBE d3
 int $0x45
d3:
 PROBE d4
 movw $0x3ff,idtr
 lidt idtr
 int $0x90
d4:
 movw $0x7ff,idtr
 lidt idtr
 GATE 0x46, stub_0x44, 0x8e00
 PROBE d5
 USER user_d1, 0x2
user_d1:
 int $0x46
d5:
 PROBE d6
 mov $0x38,%ax
 mov %ax,%ss
d6:
 PROBE d_done
 ljmp $0x10,$0
d_done:

# G: a CR3 load flushes non-global translations, clearing CR4.PGE global
# ones too (whether a global one survives the CR3 load is not checked:
# the TLB may drop it any time).
 LINE 'G'
 movl $0x11111111,0xc06000
 movl $0x22222222,0xc08000
 movl $0x33333333,0xc07000
 movl $0x44444444,0xc09000
 movl $0x00c06103,PT+24       # global
 movl $0x00c07003,PT+28
 mov %cr4,%eax
 or $0x80,%eax
 mov %eax,%cr4
 mov %cr0,%eax
 or $0x80000000,%eax
 mov %eax,%cr0
 HEX 0xc06000
 HEX 0xc07000
 movl $0x00c08103,PT+24
 movl $0x00c09003,PT+28
 mov %cr3,%eax
 mov %eax,%cr3
 HEX 0xc07000
 mov %cr4,%eax
 and $~0x80,%eax
 mov %eax,%cr4
 HEX 0xc06000
 mov %cr0,%eax
 and $0x7fffffff,%eax
 mov %eax,%cr0

 LINE 'E'
 mov $'\n',%al
 call putc
1: cli
 hlt
 jmp 1b

# --- tasks and handlers
task2:
 PUT 't'
 movzwl TSS2,%eax
 call hex
 pushf
 pop %eax
 and $0x4000,%eax
 call hex
 movzbl gdt+0x2d,%eax
 call hex
 movzbl gdt+0x35,%eax
 call hex
 iret
 jmp task2

np_task:
 PUT 'n'
 pop %eax
 call hex
 HEX %esp
 movzwl TSS3,%eax
 call hex
 addl $2,TSS0+0x20
 iret
 jmp np_task

db_handler:
 PUT 'd'
 mov %dr6,%eax
 and $0xe00f,%eax
 call hex
 HEX (%esp)
 xor %eax,%eax
 mov %eax,%dr6
 iret

t4_entry:
 PUT 'u'
 iret
 jmp t4_entry

v86_int:
 PUT 'i'
 xor %ecx,%ecx
1: mov (%esp,%ecx,4),%eax
 call hex
 inc %ecx
 cmp $9,%ecx
 jb 1b
 mov %ds,%eax
 call hex
 mov %es,%eax
 call hex
 mov %fs,%eax
 call hex
 mov %gs,%eax
 call hex
 mov $0x10,%ax
 mov %ax,%ds
 mov %ax,%es
 mov %ax,%fs
 mov %ax,%gs
 mov saved_esp,%esp
 jmp *resume

.code16
v86_code:
 mov $0x77,%ax
 int $0x42
v86_cli:
 cli
 hlt
v86_io:
 in $0x80,%al
 out %al,$0x81
 hlt
