#!/usr/bin/env bash
# usage: benchmarks/scripts/restore.sh [MIB [ROUNDS [SERVICE_FLAGS [CHUNK_PAGES]]]]   (from the repository's root; needs root)
# Restore bandwidth of the native fault service, SNAPSHOT and FILE, over a purged range of MIB MiB (256),
# against LZ4 decompress, pread from the page cache, memcpy and first-touch measured in the same run;
# per-fault latency (random order, from the faulting thread) and the service's own histogram. Prints one
# "name: value" line per figure and the load average (benchmarks/native/restore_bench.c says what each is).
# SERVICE_FLAGS: extra JR_SVC_* bits (jreclaim.h), e.g. 0x102 = one reading worker, no prefetch; CHUNK_PAGES: 16.
# RESTORE_SRC=dir builds against another copy of agent/src/main/c (a before/after comparison).
# TRACE=1: a measurement build that also prints where each fault's time went, stage by stage ("trace-" lines).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
src="${RESTORE_SRC:-$root/agent/src/main/c}"
out="${TMPDIR:-/tmp}/jreclaim-restore-bench.$$"
mkdir -p "$out"; trap 'rm -rf "$out"' EXIT
lz4=(); libs=()
a=$(gcc -print-file-name=liblz4.a)
if [ "$a" != liblz4.a ] && [ -f "$a" ] && echo '#include <lz4.h>' | gcc -E -x c - >/dev/null 2>&1; then
  lz4=(-DJR_LZ4_STATIC); libs=("$a")
fi
trace=(); [ "${TRACE:-0}" = 1 ] && trace=(-DJR_TRACE) # per-stage timestamps of every fault (fault_service.c)
gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror "${lz4[@]}" "${trace[@]}" -I"$src" -o "$out/restore_bench" \
  "$root/benchmarks/native/restore_bench.c" "$src"/*.c "${libs[@]}" -lpthread -ldl
nice -n 0 "$out/restore_bench" "${1:-256}" "${2:-5}" "${3:-0}" "${4:-16}"
