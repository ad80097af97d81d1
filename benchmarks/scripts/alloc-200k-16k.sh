#!/usr/bin/env bash
# usage: benchmarks/scripts/alloc-200k-16k.sh [RUNS]   (from the repository's root, after ./build.sh package)
# Allocates 200,000 direct buffers of 16 KiB, all live at once, and writes one long into each page, with the
# plain JDK and with the agent (one rule taking every one of them as a reclaimable range) in the same run;
# prints the median in-process time of each and their ratio:
#   alloc-200k-16k: agent/plain = X.XXx
# A scripted whole-process benchmark, never a test (docs/benchmarks.md). Needs about 3.2 GiB per run.
set -euo pipefail
RUNS="${1:-3}"
JAR=agent/target/jreclaim-agent.jar
[ -f "$JAR" ] || { echo "no $JAR: run ./build.sh package first"; exit 1; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cat > "$W/Alloc.java" <<'J'
import java.nio.ByteBuffer;
public class Alloc {
  public static void main(String[] a) {
    int n = 200_000, size = 16 * 1024; ByteBuffer[] keep = new ByteBuffer[n];
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) { ByteBuffer b = ByteBuffer.allocateDirect(size); for (int p = 0; p < size; p += 4096) b.putLong(p, i + p); keep[i] = b; }
    long t1 = System.nanoTime();
    long s = 0; for (ByteBuffer b : keep) s += b.getLong(0);
    System.out.println("ms " + (t1 - t0) / 1_000_000 + " " + s);
  }
}
J
JAVA=(./build.sh java)
printf 'jreclaim.rule.all.kind=direct\njreclaim.rule.all.min-size=16KiB\njreclaim.rule.all.mark=explicit\njreclaim.rule.all.on-purge=rebuild:snapshot\n' > "$W/all.properties"
COMMON=(-XX:MaxDirectMemorySize=8g -Xmx1g --enable-native-access=ALL-UNNAMED "$W/Alloc.java")
run() { "${JAVA[@]}" "$@" 2>"$W/err" | sed -n 's/^ms \([0-9]*\) .*/\1/p'; }
med() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
plain=(); agent=()
for _ in $(seq 1 "$RUNS"); do
  plain+=("$(run "${COMMON[@]}")")
  a=$(run "-javaagent:$JAR=config=$W/all.properties" "${COMMON[@]}")
  [ -n "$a" ] || { echo "agent run failed:"; cat "$W/err"; exit 1; }
  agent+=("$a")
done
p=$(printf '%s\n' "${plain[@]}" | med); g=$(printf '%s\n' "${agent[@]}" | med)
echo "plain JDK: ${plain[*]} ms; agent: ${agent[*]} ms (median of $RUNS each)"
awk -v a="$g" -v p="$p" 'BEGIN{printf "alloc-200k-16k: agent/plain = %.2fx\n", a/p}'
