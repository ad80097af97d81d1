#!/usr/bin/env bash
# usage: benchmarks/scripts/footprint.sh [RUNS]   (from the repository's root, after ./build.sh package)
# What the agent costs before it does anything, against the plain JDK in the same run (runs interleaved):
# a trivial main with one site rule (direct buffers of Fill#load, on-return, rebuild:snapshot), which
# allocates nothing, and the same program idle after start. Prints the medians of RUNS runs each:
#   idle-rss-delta-MiB: 12 (plain 40, agent 52; goal <= 10)
#   idle-rss-settled-delta-MiB: ... (the same processes 10 s after "ready": after the JVM's chunk pool cleaner
#     (every 5 s) and the agent's settled malloc_trim, docs/benchmarks.md "Footprint: where it goes")
#   startup-delta-ms: 250 (plain 60, agent 310; goal <= 300)
#   startup-cpu-delta-ms: ... (user+sys of the whole JVM)
#   load-average: ... (the machine is shared: read the figures with it)
# AGENT_JAR=path measures another build of the agent (a before/after table, docs/benchmarks.md); JAVA_OPTS adds
# options to both JVMs. A scripted whole-process benchmark, never a test (docs/benchmarks.md).
set -euo pipefail
RUNS="${1:-5}"
JAR="${AGENT_JAR:-agent/target/jreclaim-agent.jar}"
[ -f "$JAR" ] || { echo "no $JAR: run ./build.sh package first"; exit 1; }
JAVA=$(./build.sh java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')/bin/java
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cat > "$W/Fill.java" <<'J'
import java.nio.ByteBuffer; import java.util.*;
public class Fill {
  static ByteBuffer load(int id, int size) { ByteBuffer b = ByteBuffer.allocateDirect(size);
    for (int p = 0; p < size; p += 8) b.putLong(p, id + p); return b; }
  public static void main(String[] a) throws Exception {
    int mib = Integer.parseInt(a[0]); List<ByteBuffer> c = new ArrayList<>();
    for (int i = 0; i < mib / 8; i++) c.add(load(i, 8 << 20));
    System.out.println("ready " + c.size()); System.out.flush(); if (a.length > 1) Thread.sleep(Long.parseLong(a[1])); } }
J
"${JAVA%/java}/javac" -d "$W" "$W/Fill.java"
printf 'jreclaim.rule.fill.kind=direct\njreclaim.rule.fill.site=Fill#load\njreclaim.rule.fill.min-size=1MiB\njreclaim.rule.fill.mark=on-return\njreclaim.rule.fill.on-purge=rebuild:snapshot\n' > "$W/fill.properties"
read -r -a OPTS <<< "${JAVA_OPTS:-}"
J=("$JAVA" "${OPTS[@]}" -cp "$W")
AG=(--enable-native-access=ALL-UNNAMED "-javaagent:$JAR=config=$W/fill.properties")
# RSS (KiB) of the JVM 1 s and 10 s after main printed "ready", idle: "early settled".
rss() {
  "${J[@]}" "$@" Fill 0 14000 >"$W/o" 2>&1 & local p=$!
  for _ in $(seq 1 600); do grep -q ready "$W/o" && break; sleep 0.1; done
  grep -q ready "$W/o" || { echo "no ready line in 60 s ($(ps -o stat=,etime=,time= -p $p)):" >&2; cat "$W/o" >&2; kill $p; exit 1; }
  sleep 1; local early; early=$(awk '/^VmRSS/{print $2}' /proc/$p/status)
  sleep 9; echo "$early $(awk '/^VmRSS/{print $2}' /proc/$p/status)"; kill $p 2>/dev/null; wait $p 2>/dev/null || true
}
# Wall and CPU (user+sys) milliseconds of a whole JVM running the trivial main.
start() {
  /usr/bin/time -f '%e %U %S' -o "$W/t" "${J[@]}" "$@" Fill 0 >"$W/o" 2>&1 || { cat "$W/o" >&2; exit 1; }
  awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}' "$W/t"
}
# Classes loaded by the trivial main (what a "not met" names: the JVM's own work for the agent's start).
classes() { "${J[@]}" "$@" -Xlog:class+load=info:file="$W/classes.log"::filecount=0 Fill 0 >/dev/null 2>&1; grep -c . "$W/classes.log"; }
med() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)
rp=(); ra=(); qp=(); qa=(); sp=(); sa=(); cp=(); ca=()
for _ in $(seq 1 "$RUNS"); do
  read -r e q <<< "$(rss)"; rp+=("$e"); qp+=("$q")
  read -r e q <<< "$(rss "${AG[@]}")"; ra+=("$e"); qa+=("$q")
  read -r w c <<< "$(start)"; sp+=("$w"); cp+=("$c")
  read -r w c <<< "$(start "${AG[@]}")"; sa+=("$w"); ca+=("$c")
done
m() { printf '%s\n' "$@" | med; }
RP=$(( $(m "${rp[@]}") / 1024 )); RA=$(( $(m "${ra[@]}") / 1024 ))
QP=$(( $(m "${qp[@]}") / 1024 )); QA=$(( $(m "${qa[@]}") / 1024 ))
SP=$(m "${sp[@]}"); SA=$(m "${sa[@]}"); CP=$(m "${cp[@]}"); CA=$(m "${ca[@]}")
KP=$(classes); KA=$(classes "${AG[@]}")
# met, or not met and the measured why (docs/benchmarks.md, "Footprint: where it goes")
verdict() { # <value> <goal> <why>
  if [ "$1" -le "$2" ]; then echo met; else echo "not met, $3"; fi
}
WHY_RSS="the JVM's own work for the agent's start: $KA classes loaded against $KP (metaspace), the JIT's compilations of that code (code cache, malloc arenas), the agent's live heap"
echo "idle-rss-delta-MiB: $((RA - RP)) (plain $RP, agent $RA; goal <= 10: $(verdict $((RA - RP)) 10 "$WHY_RSS; the compilers' freed arena chunks are still pooled 1 s after ready (the settled line)"))"
echo "idle-rss-settled-delta-MiB: $((QA - QP)) (plain $QP, agent $QA, the same processes 10 s after ready; goal <= 10: $(verdict $((QA - QP)) 10 "$WHY_RSS; malloc fragments no trim returns"))"
echo "startup-delta-ms: $((SA - SP)) (plain $SP, agent $SA; goal <= 300: $(verdict $((SA - SP)) 300 "CPU +$((CA - CP)) ms in the same runs: FFM's first downcall link (~150 ms) and the JIT compiling the start's code ($KA classes loaded against $KP) on 2 CPUs"))"
echo "startup-cpu-delta-ms: $((CA - CP)) (plain $CP, agent $CA, user+sys of the whole JVM; reference, no goal of its own)"
echo "load-average: $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after ($RUNS runs each, medians; $(nproc) CPUs)"
