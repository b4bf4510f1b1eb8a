# Shared by the boot-sector guest tests (x86_system_*_qemu.sh), sourced
# after `set -eu` with $src naming the boot sector's assembly source.
# Exits 77 (skip) without binutils or qemu-system-i386; otherwise builds
# $dir/boot.img (the sector linked at 0x7c00, padded to a 1 MiB disk) in a
# temporary $dir that is removed on exit, and defines run().
for tool in as ld qemu-system-i386; do
  command -v "$tool" >/dev/null 2>&1 || { echo "skip: no $tool"; exit 77; }
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
as --32 "$src" -o "$dir/boot.o"
ld -m elf_i386 -Ttext 0x7c00 --oformat binary "$dir/boot.o" -o "$dir/boot.img"
truncate -s 1M "$dir/boot.img"
# run OUT LAST SECONDS CMD...: runs CMD until OUT has a line matching the
# grep pattern LAST (the trace's last line; the guest then halts), SECONDS
# at most, then stops it.
run() {
  out=$1
  last=$2
  tenths=$(($3 * 10))
  shift 3
  : >"$out"
  "$@" >/dev/null 2>&1 &
  pid=$!
  i=0
  while [ $i -lt $tenths ] && ! grep -aq "$last" "$out"; do
    sleep 0.1
    i=$((i + 1))
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
