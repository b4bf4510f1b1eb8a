#!/bin/sh
# Protected-mode probes of a boot disk (x86_system_pm_boot.S) on
# dynemu-system-i386 (JIT and IR interpreter) and qemu-system-i386 -accel
# tcg: SYSENTER/SYSEXIT, null FS/GS/DS use, task gates (NT, back link, busy
# bits, error code on the new task's stack, #TS, JMP to a busy TSS), the
# TSS T bit, the I/O permission bitmap and IOPL, virtual-8086 INT n and
# IOPL-sensitive instructions, paging (4 MiB and 4 KiB pages, A/D bits,
# CR0.WP, #PF error codes and CR2, INVLPG, CR3 and CR4.PGE flushes), #DF,
# #NP/#GP/#SS error codes.
# The guest prints one line per probe on the debug console (port 0x402).
# dynemu must print exactly the expected trace (checked against the SDM,
# vol. 3, by hand); QEMU must too, except on the lines whose tag is in
# $qemu_differs, where QEMU is known to deviate from the SDM (it neither
# checks null segments on data accesses nor implements the TSS T bit).
# Usage: x86_system_pm_qemu.sh DYNEMU_SYSTEM_I386. Exit 77 (skip) without
# binutils or qemu-system-i386.
set -eu
dynemu=$1
src=$(dirname "$0")/x86_system_pm_boot.S
. "$(dirname "$0")/boot_sector_lib.sh"
# Runs "$@" until $out has the trace's last line, 60 s at most; leaves the
# trace (the lines after the boot) in $out.trace.
run_trace() {
  out=$1
  shift
  run "$out" '^E$' 60 "$@"
  tr -d '\r' <"$out" | sed -n '/^S /,/^E$/p' >"$out.trace"
}
cat >"$dir/expected" <<'END'
S 0000001B 00000023 00023000 00000002 00000008 00000010 00021000 V 0000000D 00000000 000080B8 V 0000000D 00000000 000080D5
N V 0000000D 00000000 000080F9 V 0000000D 00000000 0000811A V 0000000D 00000000 0000814F
Tt 00000028 00004000 0000008B 0000008B 00000000 0000008B 00000089n 00000038 00025000 00000028m V 0000000A 00000040 000082BA V 0000000D 00000028 000082D1
Bd 00008000 00008A1Dub
I V 00000044 00000000 000083E1 V 0000000D 00000000 0000840A V 0000000D 00000000 00008437 V 0000000D 00000000 00008469 V 0000000D 00000000 00008495 V 00000044 00000000 000084CB
Vi 00000E77 000007C0 00023002 00000100 00002700 00002222 00001111 00003333 00004444 00000000 00000000 00000000 00000000 V 0000000D 00000000 00000E75 V 0000000D 00000000 00000E77 V 0000000D 00000000 00000E7B
P 008000A7 008000E7 V 0000000E 00000000 00C00010 0000867C 00C01061 V 0000000E 00000003 00C01008 000086B7 V 0000000E 00000005 00C02000 000086F1 V 0000000E 00000007 00C03000 00008721 V 0000000E 00000006 00C00000 00008756 V 00000044 00000000 0000879C 00C03025 00C04067 00C02003 12345678
D V 00000008 00000000 00008809 V 0000000D 0000022A 00008822 V 0000000D 00000482 00008844 V 0000000D 00000232 00008897 V 0000000C 00000038 000088AD V 0000000D 00000010 000088BF
G 11111111 33333333 44444444 22222222
E
END
qemu_differs='N B'
run_trace "$dir/qemu.txt" qemu-system-i386 -accel tcg -m 16 -nodefaults -display none \
  -drive "file=$dir/boot.img,format=raw" \
  -chardev "file,id=dc,path=$dir/qemu.txt" -device isa-debugcon,iobase=0x402,chardev=dc
fail=0
for accel in jit interp; do
  run_trace "$dir/$accel.txt" "$dynemu" -accel $accel -m 16 -display none -hda "$dir/boot.img" \
    -debugcon "file:$dir/$accel.txt"
  if cmp -s "$dir/$accel.txt.trace" "$dir/expected"; then
    echo "dynemu -accel $accel: as expected"
  else
    echo "FAIL: dynemu -accel $accel differs from the expected trace (< expected, > dynemu):"
    diff "$dir/expected" "$dir/$accel.txt.trace" || true
    fail=1
  fi
done
filter() {
  for tag in $qemu_differs; do printf '/^%s/d;' "$tag"; done
}
sed "$(filter)" "$dir/expected" >"$dir/expected.qemu"
if sed "$(filter)" "$dir/qemu.txt.trace" | cmp -s - "$dir/expected.qemu"; then
  echo "qemu: as expected (lines $qemu_differs not compared)"
else
  echo "FAIL: qemu differs from the expected trace (< expected, > qemu):"
  sed "$(filter)" "$dir/qemu.txt.trace" | diff "$dir/expected.qemu" - || true
  fail=1
fi
[ $fail = 0 ] && echo PASS
exit $fail
