#!/usr/bin/env bash
# usage: benchmarks/scripts/safepoint-why.sh [AGENT_JAR [SECONDS [LATE_US]]]   (from the repository's root; root, perf, python3)
# Where the time to safepoint goes under SafepointBench's storm: runs one SafepointChild storm JVM (AGENT_JAR on its
# class path, default agent/target/jreclaim-agent.jar) with -Xlog:safepoint (timenanos), records every context switch
# and wake-up of the machine for SECONDS-2 s with `perf record -k CLOCK_MONOTONIC`, and for each safepoint whose
# "Reaching safepoint" is at least LATE_US (1000) prints what the child's threads did inside those windows: running,
# runnable but waiting for a CPU, blocked (and who woke them: a fault worker = the thread was in a fault; the VM
# Thread = it had reached the safepoint), who held the CPUs, how many faults each reader waited for before it
# arrived, and, for every reader fault longer than 500 us, what the fault workers were doing meanwhile.
# docs/benchmarks.md, "Time to safepoint", has a run. Not part of ./build.sh bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
AGENT="${1:-agent/target/jreclaim-agent.jar}"; SECONDS_="${2:-6}"; LATE_US="${3:-1000}"
# the JDK ./build.sh finds (>= 25), unless JAVA_HOME names one
home="${JAVA_HOME:-$(./build.sh java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')}"
JAVA="$home/bin/java"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
"$JAVA" -Xmx256m --enable-native-access=ALL-UNNAMED -Xlog:safepoint=info:file="$W/sp.log":timenanos,uptime:filecount=0 \
  -cp "benchmarks/target/benchmarks.jar:samples/target/jreclaim-samples.jar:$AGENT" \
  dev.jreclaim.benchmarks.suite.SafepointChild storm "$SECONDS_" >"$W/child.out" 2>&1 &
child=$!
sleep 1.5
perf record -q -k CLOCK_MONOTONIC -e sched:sched_switch -e sched:sched_waking -a -o "$W/perf.data" -- sleep $((SECONDS_ - 2)) >/dev/null 2>&1
wait "$child" || { echo "safepoint-why: the storm JVM failed:"; tail -5 "$W/child.out"; exit 1; }
perf script -i "$W/perf.data" --ns -F comm,pid,tid,cpu,time,event,trace 2>/dev/null >"$W/perf.txt"
echo "safepoint-why: $(grep -o 'faults=.*' "$W/child.out"), load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$W/perf.txt" "$W/sp.log" "$child" "$((LATE_US * 1000))" <<'PY'
import re, sys, collections
perf, log, pid, late = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sw = re.compile(r'prev_comm=(.*?) prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)')
wk = re.compile(r'^comm=(.*?) pid=(\d+)')
line = re.compile(r'\s*(.*?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s+(.*)')
names, mine, ev, run = {}, set(), [], collections.defaultdict(list)
for l in open(perf):
    m = line.match(l)
    if not m: continue
    p, tid = int(m.group(2)), int(m.group(3))
    if p == pid: mine.add(tid); names[tid] = m.group(1)
    t = int(round(float(m.group(5)) * 1e9)); e, rest = m.group(6), m.group(7)
    if e == 'sched:sched_switch':
        s = sw.search(rest)
        if not s: continue
        ev.append((t, int(s.group(2)), 'W' if s.group(3).startswith('R') else 'S', None))
        ev.append((t, int(s.group(5)), 'R', None))
        run[int(m.group(4))].append((t, int(s.group(5))))
    elif e == 'sched:sched_waking':
        s = wk.search(rest)
        if s: ev.append((t, int(s.group(2)), 'w', tid))
ev.sort(key=lambda x: x[0])
t0, t1 = ev[0][0], ev[-1][0]
def who(tid):
    if tid == 0: return 'idle'
    if tid not in mine: return 'other processes'
    n = names[tid]
    return 'GC Thread' if n.startswith('GC Thread') else n
iv, cur = collections.defaultdict(list), {}  # per thread: (from, to, state, who woke it when blocked)
for t, tid, s, waker in ev:
    c = cur.get(tid)
    if s == 'w':
        if c and c[1] == 'S': iv[tid].append((c[0], t, 'S', who(waker))); cur[tid] = (t, 'W')
    elif c and c[1] != s: iv[tid].append((c[0], t, c[1], None)); cur[tid] = (t, s)
    elif not c: cur[tid] = (t, s)
wins, n_all = [], 0
for l in open(log):
    m = re.search(r'\[(\d+)ns\].*Reaching safepoint: (\d+) ns.*Total: (\d+) ns', l)
    if m:
        b = int(m.group(1)) - int(m.group(3))
        if b > t0 and b + int(m.group(2)) < t1:
            n_all += 1
            if int(m.group(2)) >= late: wins.append((b, b + int(m.group(2))))
print(f"safepoint-why: {n_all} safepoints traced, {len(wins)} with reaching >= {late/1e3:.0f} us, {sum(b-a for a,b in wins)/1e6:.1f} ms in all")
def overlap(lst, a, b):
    for s0, s1, st, wk_ in lst:
        lo, hi = max(s0, a), min(s1, b)
        if hi > lo: yield hi - lo, st, wk_
label = lambda st, wk_: {'R': 'running', 'W': 'runnable, waiting for a CPU'}.get(st) or f'blocked, woken by {wk_}'
kinds = ('reader-0', 'reader-1', 'purger', 'VM Thread', 'jreclaim-fault')
tot = collections.defaultdict(collections.Counter)
for a, b in wins:
    for tid in mine:
        if names[tid] in kinds:
            for d, st, wk_ in overlap(iv[tid], a, b): tot[names[tid]][label(st, wk_)] += d
for g in kinds:
    if tot[g]: print(f"  {g}: " + ", ".join(f"{k} {v/1e6:.1f}" for k, v in tot[g].most_common()) + " ms")
def cpus(spans):
    occ = collections.Counter()
    for c, lst in run.items():
        for i in range(len(lst) - 1):
            for a, b in spans:
                lo, hi = max(lst[i][0], a), min(lst[i + 1][0], b)
                if hi > lo: occ[who(lst[i][1])] += hi - lo
    T = max(1, sum(occ.values()))
    return ", ".join(f"{k} {100*v/T:.0f}%" for k, v in occ.most_common(7))
print("  the CPUs in those windows: " + cpus(wins))
hist, slow = collections.Counter(), []
for a, b in wins:
    for tid in mine:
        if not names[tid].startswith('reader'): continue
        nf = fb = rw = 0
        for s0, s1, st, wk_ in iv[tid]:
            if s1 <= a: continue
            if st == 'S' and wk_ == 'VM Thread':
                if s0 >= a: hist[nf] += 1; slow.append((s0 - a, nf, fb, rw))
                break
            if st == 'S' and wk_ == 'jreclaim-fault': nf += 1; fb += s1 - max(s0, a)
            elif st == 'W': rw += s1 - max(s0, a)
print("  faults a reader waited for between a late safepoint's start and its arrival (count: readers): " + str(dict(sorted(hist.items()))))
for x in sorted(slow, reverse=True)[:5]:
    print(f"    arrived after {x[0]/1e3:.0f} us: {x[1]} fault(s), {x[2]/1e3:.0f} us in them, {x[3]/1e3:.0f} us runnable waiting for a CPU")
longf, wst = [], collections.Counter()
workers = [t for t in mine if names[t] == 'jreclaim-fault']
for tid in mine:
    if names[tid].startswith('reader'):
        longf += [(s0, s1) for s0, s1, st, wk_ in iv[tid] if st == 'S' and wk_ == 'jreclaim-fault' and s1 - s0 > 500000]
for s0, s1 in longf:
    for w in workers:
        for d, st, wk_ in overlap(iv[w], s0, s1): wst['running' if st == 'R' else 'runnable, waiting for a CPU' if st == 'W' else 'blocked'] += d
print(f"  reader faults over 500 us: {len(longf)}, {sum(b-a for a,b in longf)/1e6:.1f} ms; the {len(workers)} fault workers meanwhile (summed): "
      + ", ".join(f"{k} {v/1e6:.1f} ms" for k, v in wst.most_common()))
print("  the CPUs during those faults: " + cpus(longf))
PY
