#!/usr/bin/env bash
# Throughput of `clonefarm cms put` / `cms cat` against plain copies of the same bytes, run here and now.
# Prints name=value lines: seconds of each run and the ratios (cms time / baseline time; lower is better).
# Needs cli/target/clonefarm.jar (./mvnw -B -q install -DskipTests -pl cli -am).
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=cli/target/clonefarm.jar
[ -f "$JAR" ] || { echo "build $JAR first" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
LINES=${LINES_COUNT:-300000}
# a NAMES-like text file: ~20 MB of 70-character lines
awk -v n="$LINES" 'BEGIN { for (i = 1; i <= n; i++) printf ":nick.LINUX%06d :hostname.linux%06d.example.com :ipaddr.10.%d.%d.%d\n", i, i, i % 250, (i / 250) % 250, i % 200 }' > "$WORK/names.txt"
truncate -s 256M "$WORK/disk.img"
java -jar "$JAR" cms format "$WORK/disk.img" --blocksize 4096 --label BENCH > /dev/null
now() { date +%s.%N; }
t0=$(now); dd if="$WORK/names.txt" of="$WORK/disk.img" bs=1M seek=128 conv=notrunc,fsync status=none; t1=$(now)
java -jar "$JAR" cms put "$WORK/disk.img" "$WORK/names.txt" BIG NAMES --recfm V > /dev/null; t2=$(now)
cat "$WORK/names.txt" > "$WORK/copy.txt"; t3=$(now)
java -jar "$JAR" cms cat "$WORK/disk.img" BIG NAMES > "$WORK/out.txt"; t4=$(now)
cmp -s "$WORK/names.txt" "$WORK/out.txt" || { echo "cms cat output differs from the input" >&2; exit 1; }
java -version 2>&1 | head -1 | sed 's/^/# /'
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" -v bytes="$(stat -c %s "$WORK/names.txt")" 'BEGIN {
  printf "bytes=%d\n", bytes
  printf "dd_seconds=%.3f\ncms_put_seconds=%.3f\ncms_put_vs_dd=%.1f\n", b - a, c - b, (c - b) / (b - a)
  printf "cat_seconds=%.3f\ncms_cat_seconds=%.3f\ncms_cat_vs_cat=%.1f\n", d - c, e - d, (e - d) / (d - c)
  printf "cms_put_mb_per_s=%.1f\ncms_cat_mb_per_s=%.1f\n", bytes / 1e6 / (c - b), bytes / 1e6 / (e - d) }'
