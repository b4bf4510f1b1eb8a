#!/bin/sh
# Single-step (EFLAGS.TF) and DR0 breakpoint traces of a boot sector
# (x86_system_debug_boot.S), on dynemu-system-i386 and on qemu-system-i386
# -accel tcg: the #DB handler prints each IP it returns to on the debug
# console (port 0x402). Both must print the same trace, and it must be the
# one the SDM gives (vol. 3, 17.3.1: POPF setting TF traps after the next
# instruction, INT n clears TF, MOV SS delays the trap one instruction, an
# instruction breakpoint is a fault).
# Usage: x86_system_debug_qemu.sh DYNEMU_SYSTEM_I386. Exit 77 (skip)
# without binutils or qemu-system-i386.
set -eu
dynemu=$1
src=$(dirname "$0")/x86_system_debug_boot.S
. "$(dirname "$0")/boot_sector_lib.sh"
run "$dir/qemu.txt" '^S .*E$' 30 qemu-system-i386 -accel tcg -m 16 -nodefaults -display none \
  -drive "file=$dir/boot.img,format=raw" \
  -chardev "file,id=dc,path=$dir/qemu.txt" -device isa-debugcon,iobase=0x402,chardev=dc
run "$dir/dynemu.txt" '^S .*E$' 30 "$dynemu" -m 16 -display none -hda "$dir/boot.img" \
  -debugcon "file:$dir/dynemu.txt"
expected="S 7C2F 7C32 7C35 7C36 7C37 7C3A 7C3B 7C3CM 7C4B 7C4E 7C4F 7C50 7C51 7C54 7C55 7C56B 7C6E/1E"
qemu=$(grep -a '^S ' "$dir/qemu.txt" || true)
ours=$(grep -a '^S ' "$dir/dynemu.txt" || true)
echo "qemu:   $qemu"
echo "dynemu: $ours"
[ "$ours" = "$qemu" ] || { echo "FAIL: dynemu and qemu differ"; exit 1; }
[ "$ours" = "$expected" ] || { echo "FAIL: expected $expected"; exit 1; }
echo PASS
