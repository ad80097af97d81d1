#!/usr/bin/env bash
# usage: benchmarks/scripts/alloc.sh   (from the repository's root, after ./build.sh package, which builds
# benchmarks/target/benchmarks.jar too)
# Allocation against the plain JDK, in the same run (docs/benchmarks.md, "Allocation"): the JMH benchmarks
# AllocateDirectPlainJdk and AllocateDirectAgent, allocateWriteFree (allocate, write every byte, free) and
# allocateAndFree, at 64 KiB and 1 MiB (both matched by benchmarks/jreclaim-bench.properties). Prints one
# `name: value` line per ratio (agent / plain, lower is better), then the load average:
#   alloc-write-free-1MiB-ratio: 0.95 (agent 73.1 µs, plain 77.0 µs; goal <= 1.0)
# JMH's options: ALLOC_JMH_OPTS (default -f 1 -wi 3 -i 5 -w 1s -r 1s). About a minute.
set -euo pipefail
JAR=benchmarks/target/benchmarks.jar
[ -f "$JAR" ] && [ -f agent/target/jreclaim-agent.jar ] || { echo "alloc: no $JAR or agent jar: run ./build.sh package first" >&2; exit 1; }
read -r -a OPTS <<<"${ALLOC_JMH_OPTS:--f 1 -wi 3 -i 5 -w 1s -r 1s}"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
./build.sh java -jar "$JAR" "${OPTS[@]}" -p size=65536,1048576 -tu us -rf csv -rff "$W/r.csv" \
  'AllocateDirect(PlainJdk|Agent)\.(allocateWriteFree|allocateAndFree)$' >"$W/log" 2>&1 || {
  echo "alloc: JMH failed:" >&2; tail -40 "$W/log" >&2; exit 1; }
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# CSV: "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: size"
awk -F, '
  NR > 1 { gsub(/["\r]/, ""); c = split($1, n, "."); cls = n[c - 1]; m = n[c];
           key = m "|" $8; if (cls ~ /PlainJdk$/) plain[key] = $5; else agent[key] = $5; err[cls "|" key] = $6 }
  END {
    split("allocateWriteFree|1048576 allocateWriteFree|65536 allocateAndFree|1048576 allocateAndFree|65536", ks, " ")
    for (i = 1; i in ks; i++) {
      k = ks[i]; split(k, kp, "|"); name = (kp[1] == "allocateWriteFree" ? "alloc-write-free-" : "alloc-free-") \
        (kp[2] == 1048576 ? "1MiB" : "64KiB") "-ratio"
      if (!(k in plain) || !(k in agent)) { printf "%s: missing (JMH gave no score)\n", name; continue }
      printf "%s: %.2f (agent %.1f µs, plain %.1f µs; goal <= 1.0)\n", name, agent[k] / plain[k], agent[k], plain[k]
    }
  }' "$W/r.csv"
echo "alloc-load-average: $load_before before, $load_after after (1, 5, 15 min)"
