# Dynamically linked Debian i386 programs over the sysroot's libc
# (libc6:i386): natively through the sysroot's own loader, under the
# emulator with -L. $GUEST_DYN is the command prefix for dynamic programs.
set -u
here=$(dirname "$0")
S=$GUEST_SYSROOT
dyn() { $GUEST_DYN "$@"; }
step() { echo "== $*"; }
rc() { echo "rc=$?"; }

"$here/gen-data" text 300000 debian >text.txt
"$here/gen-data" mixed 200000 debian >mixed.dat
"$here/gen-data" text 300000 debian2 >text2.txt

step hello
dyn "$S/usr/bin/hello"; rc
dyn "$S/usr/bin/hello" --greeting="dynemu says hi"; rc
dyn "$S/usr/bin/hello" --version | head -n 1
dyn "$S/usr/bin/hello" --no-such-option 2>&1; rc

step gzip
dyn "$S/bin/gzip" -9 -n -c text.txt >t.gz; rc
sha256sum <t.gz
dyn "$S/bin/gzip" -d -c t.gz | cmp - text.txt && echo gzip round trip ok
dyn "$S/bin/gzip" -1 -n -c <mixed.dat | dyn "$S/bin/gzip" -d -c | cmp - mixed.dat && echo gzip -1 ok
dyn "$S/bin/gzip" -l t.gz | tail -n 1

step bzip2 (libbz2)
dyn "$S/bin/bzip2" -9 -c text.txt >t.bz2; rc
sha256sum <t.bz2
dyn "$S/bin/bzip2" -d -c t.bz2 | cmp - text.txt && echo bzip2 round trip ok

step xz (liblzma)
dyn "$S/usr/bin/xz" -3 -T1 -c text.txt >t.xz; rc
sha256sum <t.xz
dyn "$S/usr/bin/xz" -d -c t.xz | cmp - text.txt && echo xz round trip ok

step diffutils
dyn "$S/usr/bin/diff" -u text.txt text2.txt | sha256sum
dyn "$S/usr/bin/diff" text.txt text2.txt | head -n 12
dyn "$S/usr/bin/cmp" text.txt text2.txt; rc
dyn "$S/usr/bin/cmp" -l text.txt text2.txt | head -n 5
sed '5000s/^/changed /' text.txt >text3.txt
dyn "$S/usr/bin/diff" text.txt text3.txt; rc

step dc (arbitrary precision)
echo '2 1000 ^ p' | dyn "$S/usr/bin/dc"
echo '100 k 2 v p' | dyn "$S/usr/bin/dc"
echo '[d 1 - d 1 <F *] sF 200 lF x p' | dyn "$S/usr/bin/dc" | tail -n 1
echo '50 k 1 3 / 7 * p 355 113 / p' | dyn "$S/usr/bin/dc"

step cpio
mkdir -p tree/x && cp text.txt tree/x/ && printf 'small\n' >tree/y
touch -d @1000000000 tree tree/x tree/x/text.txt tree/y
(cd tree && find . | LC_ALL=C sort | dyn "$S/bin/cpio" -o -H newc --reproducible --quiet) >t.cpio; rc
sha256sum <t.cpio
mkdir unpack && (cd unpack && dyn "$S/bin/cpio" -i -d --quiet <../t.cpio); rc
diff -r tree unpack && echo cpio extract identical
