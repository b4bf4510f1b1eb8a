# Boot sector for x86_system_debug_qemu.sh: single-step and DR0 traces
# printed to the debug console (port 0x402) as the #DB handler sees them.
.code16
.globl _start
_start:
 cli
 xor %ax,%ax
 mov %ax,%ds
 mov %ax,%ss
 mov $0x7000,%sp
 movw $dbh,4
 movw $0,6
 movw $inth,0x100
 movw $0,0x102
 mov $'S',%al
 call putc
 # TF: POPF setting it traps after the next instruction; INT n clears it
 # for the handler; POPF clearing it still traps.
 pushf
 pop %ax
 or $0x100,%ax
 push %ax
 popf
 nop
 mov $1,%bx
 int $0x40
 nop
 pushf
 pop %ax
 and $0xfeff,%ax
 push %ax
 popf
 nop
 mov $'M',%al
 call putc
 # MOV SS holds the trap until after the next instruction.
 pushf
 pop %ax
 or $0x100,%ax
 push %ax
 popf
 mov %ss,%cx
 mov %cx,%ss
 nop
 nop
 pushf
 pop %ax
 and $0xfeff,%ax
 push %ax
 popf
 mov $'B',%al
 call putc
 # DR0 instruction breakpoint: a fault before the instruction.
 mov $bp,%eax
 mov %eax,%dr0
 mov $1,%eax
 mov %eax,%dr7
 nop
bp:
 nop
 mov $'E',%al
 call putc
 mov $'\n',%al
 call putc
1: hlt
 jmp 1b
inth:
 iret
# Prints ' IIII' (the IP it returns to); for a breakpoint also '/n' (DR6
# B0-B3) and disables it (real mode cannot set RF through IRET).
dbh:
 push %bp
 mov %sp,%bp
 push %ax
 mov 2(%bp),%ax
 call puthex
 mov %dr6,%eax
 and $15,%al
 jz 4f
 push %ax
 mov $'/',%al
 call putc
 pop %ax
 add $'0',%al
 call putc
 xor %eax,%eax
 mov %eax,%dr7
 mov %eax,%dr6
4: pop %ax
 pop %bp
 iret
puthex:
 push %ax
 push %cx
 mov %ax,%cx
 mov $' ',%al
 call putc
 mov $4,%ah
2: rol $4,%cx
 mov %cl,%al
 and $15,%al
 add $'0',%al
 cmp $'9',%al
 jbe 3f
 add $7,%al
3: call putc
 dec %ah
 jnz 2b
 pop %cx
 pop %ax
 ret
putc:
 push %dx
 mov $0x402,%dx
 out %al,%dx
 pop %dx
 ret
.org 510
.byte 0x55,0xaa
