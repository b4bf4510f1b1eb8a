	.code16
	.set base, 0x7c00
start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $base, %sp
	mov $(msg - start + base), %si
1:	lodsb
	test %al, %al
	jz 2f
	mov $0x3f8, %dx
	out %al, %dx
	mov $0x402, %dx
	out %al, %dx
	jmp 1b
2:	lgdtl (gdtr - start + base)
	mov %cr0, %eax
	or $1, %al
	mov %eax, %cr0
	ljmpl $0x08, $(pm - start + base)
	.code32
pm:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %ss
	lidtl (idtr - start + base)
	int3
	hlt
	jmp pm
	.p2align 3
gdt:	.quad 0, 0x00cf9a000000ffff, 0x00cf92000000ffff
gdtr:	.word 23
	.long gdt - start + base
idtr:	.word 0
	.long 0
msg:	.asciz "dynemu triple-fault test: int3 with an empty IDT\r\n"
	.org 510
	.word 0xaa55
