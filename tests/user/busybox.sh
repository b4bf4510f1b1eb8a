# busybox-static (i386, from Debian) applets on generated data. Run by
# run-guest-test --script twice (natively and under the emulator) in fresh
# work directories; everything printed here is compared. $GUEST_RUN is the
# command prefix (empty natively), $GUEST_SYSROOT the unpacked Debian sysroot.
set -u
here=$(dirname "$0")
bb() { $GUEST_RUN "$GUEST_SYSROOT/bin/busybox" "$@"; }
step() { echo "== $*"; }
rc() { echo "rc=$?"; }

# Inputs (made by host tools: identical in both runs). Fixed mtimes so that
# archives and listings do not depend on when the data was generated.
"$here/gen-data" text 400000 busybox >text.txt
"$here/gen-data" bin 200000 busybox >bin.dat
"$here/gen-data" mixed 300000 busybox >mixed.dat
mkdir -p tree/a/b tree/c
"$here/gen-data" text 20000 t1 >tree/a/one.txt
"$here/gen-data" bin 5000 t2 >tree/a/b/two.bin
"$here/gen-data" text 100 t3 >tree/c/three.txt
ln -s ../a/one.txt tree/c/link
chmod 0640 tree/a/one.txt
touch -h -d @1000000000 text.txt bin.dat mixed.dat tree tree/a tree/a/b tree/c tree/a/one.txt \
  tree/a/b/two.bin tree/c/three.txt tree/c/link

step sha256sum
bb sha256sum text.txt bin.dat mixed.dat; rc
step md5sum sha1sum sha512sum crc32
bb md5sum text.txt; bb sha1sum bin.dat; bb sha512sum mixed.dat; bb crc32 text.txt; rc

step gzip round trip
bb gzip -9 -c <text.txt >t.gz; rc
sha256sum <t.gz
bb gzip -1 -c <mixed.dat >m.gz; rc
sha256sum <m.gz
bb gunzip -c <t.gz | cmp - text.txt && echo text round trip ok
bb gunzip -c <m.gz | cmp - mixed.dat && echo mixed round trip ok
bb gzip -t t.gz; rc
step bzip2 round trip
bb bzip2 -c <text.txt >t.bz2; rc
sha256sum <t.bz2
bb bunzip2 -c <t.bz2 | cmp - text.txt && echo bzip2 round trip ok

step sort
bb sort text.txt | bb sha256sum
bb sort -n -r -k1,1 -s text.txt | bb sha256sum
bb sort -k2,2 -k1,1n text.txt | bb head -n 5
bb sort -u -k2,2 text.txt | bb wc -l
bb sort -r -t ' ' -k3 mixed.dat 2>&1 | bb sha256sum
step uniq
bb awk '{print $2}' text.txt | bb sort | bb uniq -c | bb sort -rn | bb head -n 8

step sed
bb sed -e 's/\(ka\)\([a-z]*\)/<\2\1>/g' -e '/^ *[0-9]*7 /d' text.txt | bb sha256sum
bb sed -n '100,104p;$=' text.txt
bb sed 'y/abcdefghij/ABCDEFGHIJ/' text.txt | bb tail -n 3

step awk
bb awk '{n += NF; c += length($0); s += $1} END {print NR, n, c, s, s / NR}' text.txt
bb awk '{for (i = 2; i <= NF; i++) if ($i ~ /^[0-9.]+$/) {t += $i; k++}} END {printf "%d %.6f %.3e\n", k, t, t / k}' text.txt
bb awk 'BEGIN {x = 1; for (i = 1; i <= 30; i++) {x = x * 1.37 + i / 3; printf "%s%.10g", (i > 1 ? " " : ""), x}; print ""; printf "%d %o %x %c %5.2e\n", 2147483647 + 1, 511, 48879, 65, 1 / 3}'
bb awk -F' ' '{w[$2]++} END {for (k in w) if (w[k] > 150) print k, w[k]}' text.txt | bb sort

step tar
bb tar -cf a.tar tree; rc
bb tar -tvf a.tar | bb sort
mkdir out && bb tar -xf a.tar -C out; rc
diff -r tree out/tree && echo tar extract identical
bb tar -czf b.tgz tree; rc
bb tar -tzf b.tgz | bb sort
bb ls -l out/tree/c | bb awk '{print $1, $5, $9, $10, $11}'

step misc applets
bb wc text.txt bin.dat
bb od -A x -t x1 -N 64 bin.dat
bb hexdump -C -n 48 mixed.dat
bb cut -d ' ' -f 2-3 text.txt | bb tail -n 2
bb tr 'a-z' 'n-za-m' <text.txt | bb head -n 2
bb grep -c 'ka' text.txt
bb grep -E -o '[0-9]+\.[0-9]+' text.txt | bb tail -n 3
bb seq 1 7 100 | bb paste -s -d+ | bb bc 2>/dev/null || echo "(bc)"
bb expr 123456789 \* 3 % 1000
bb factor 600851475143 1234567890123
bb base64 <bin.dat | bb head -c 200; echo
bb base64 <bin.dat | bb base64 -d | cmp - bin.dat && echo base64 round trip ok
bb printf '%08.3f|%-6s|%x\n' 3.14159 ab 48879
bb xxd -l 32 text.txt
bb cp -a tree tree2 && bb find tree2 | bb sort
bb du -a -k tree | bb sort -k2
bb sh -c 'i=0; s=0; while [ $i -lt 500 ]; do s=$((s + i * i)); i=$((i + 1)); done; echo sh loop $s'
bb sh -c 'f() { echo "args: $# $*"; }; f a "b c" d; echo ${#PWD} >/dev/null; x=$(echo sub); echo "$x"'
