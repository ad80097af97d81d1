#!/usr/bin/env bash
# usage: benchmarks/scripts/alloc.sh   (from the repository's root, after ./build.sh package, which builds
# benchmarks/target/benchmarks.jar too)
# Allocation against the plain JDK, in the same run (docs/benchmarks.md, "Allocation"): the JMH benchmarks
# AllocateDirectPlainJdk and AllocateDirectAgent, allocateWriteFree (allocate, write every byte, free) and
# allocateAndFree, at 64 KiB and 1 MiB (both matched by benchmarks/jreclaim-bench.properties). On a shared
# machine the load moves between forks, so the pair runs ALLOC_ROUNDS times (default 2) and each figure is
# the median over the rounds of that round's ratio. Prints one `name: value` line per ratio (agent / plain,
# lower is better), then the load average:
#   alloc-write-free-1MiB-ratio: 0.95 (agent 73.1 µs, plain 77.0 µs; goal <= 1.0)
# JMH's options: ALLOC_JMH_OPTS (default -f 1 -wi 3 -i 5 -w 1s -r 1s). About 75 s a round.
set -euo pipefail
JAR=benchmarks/target/benchmarks.jar
[ -f "$JAR" ] && [ -f agent/target/jreclaim-agent.jar ] || { echo "alloc: no $JAR or agent jar: run ./build.sh package first" >&2; exit 1; }
read -r -a OPTS <<<"${ALLOC_JMH_OPTS:--f 1 -wi 3 -i 5 -w 1s -r 1s}"
ROUNDS="${ALLOC_ROUNDS:-2}"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$ROUNDS"); do
  ./build.sh java -jar "$JAR" "${OPTS[@]}" -p size=65536,1048576 -tu us -rf csv -rff "$W/r$r.csv" \
    'AllocateDirect(PlainJdk|Agent)\.(allocateWriteFree|allocateAndFree)$' >"$W/log" 2>&1 || {
    echo "alloc: JMH failed:" >&2; tail -40 "$W/log" >&2; exit 1; }
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# CSV: "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: size" (CRLF)
for f in "$W"/r*.csv; do
  awk -F, 'NR > 1 { gsub(/["\r]/, ""); c = split($1, n, "."); print n[c] "|" $8, (n[c - 1] ~ /PlainJdk$/ ? "plain" : "agent"), $5 }' "$f" |
    sort | awk '{ s[$1 " " $2] = $3 } END { for (k in s) print k, s[k] }' | sort |
    awk '{ if ($2 == "agent") a = $3; else { print $1, a / $3, a, $3 } }'
done | sort -k1,1 -k2,2g | awk '
  { k = $1; n[k]++; r[k, n[k]] = $2; a[k, n[k]] = $3; p[k, n[k]] = $4 }
  END {
    split("allocateWriteFree|1048576 allocateWriteFree|65536 allocateAndFree|1048576 allocateAndFree|65536", ks, " ")
    for (i = 1; i in ks; i++) {
      k = ks[i]; split(k, kp, "|")
      name = (kp[1] == "allocateWriteFree" ? "alloc-write-free-" : "alloc-free-") (kp[2] == 1048576 ? "1MiB" : "64KiB") "-ratio"
      if (!(k in n)) { printf "%s: missing (JMH gave no score)\n", name; continue }
      m = int(n[k] / 2) + 1     # rows are sorted by ratio: the median round (the upper middle for an even count)
      printf "%s: %.2f (agent %.1f µs, plain %.1f µs, median of %d rounds; goal <= 1.0)\n", name, r[k, m], a[k, m], p[k, m], n[k]
    }
  }'
echo "alloc-load-average: $load_before before, $load_after after (1, 5, 15 min)"
