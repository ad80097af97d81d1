#!/usr/bin/env bash
# run-tests.sh [OUT_DIR]: the native library's C tests (Maven runs it at the test phase).
#   - the call graph of agent/src/main/c has no cycle (check-call-graph.sh), and the check can fail;
#   - the release .so builds, imports no abort (JR_CHECK compiled out) and exports exactly the
#     functions jreclaim.h declares;
#   - unit/test_table_state: range table and state machine, forbidden transitions caught;
#   - unit/test_memory: the ranges' memory (regions, size classes, index, mapping budget, registration);
#   - unit/test_files: the provenance file table (descriptor LRU, reopen by path, references) and XXH64;
#   - unit/test_e2e: every source end to end on a real userfaultfd (needs root or CAP_SYS_PTRACE);
#   - unit/test_spill: the snapshot spill file (write, read back, holes reused, failed writes and reads);
#   - unit/test_workers: many threads faulting, writing, marking and purging at once, several service
#     workers, prefetch on and off: every byte right, no write lost (idem).
# The test binaries compile the library with -DJR_CHECKS and ASan + UBSan (both work with a
# userfaultfd: the faults the tests take are served by the library's own thread, which ASan sees
# as ordinary memory accesses and ioctls; without them where the compiler lacks them). Prints a closing line
# "c tests: N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
main="$(cd "$here/../../main/c" && pwd)"
out="${1:-${TMPDIR:-/tmp}/jreclaim-c-tests}"
mkdir -p "$out"
passed=0
failed=0
pass() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "not ok $1"; failed=$((failed + 1)); }

# 1. No call cycle, and a cycle is caught.
if bash "$here/check-call-graph.sh" "$main" "$out/graph"; then pass "call graph has no cycle"; else fail "call graph has no cycle"; fi
mkdir -p "$out/cycle-src"
printf 'void b(void);\nvoid a(void) { b(); }\n' >"$out/cycle-src/a.c"
printf 'void c(void);\nvoid b(void) { c(); }\n' >"$out/cycle-src/b.c"
printf 'void a(void);\nvoid c(void) { a(); }\n' >"$out/cycle-src/c.c"
if ! bash "$here/check-call-graph.sh" "$out/cycle-src" "$out/cycle-obj" >/dev/null 2>"$out/cycle.err" &&
  grep -q 'call cycle among: .*a' "$out/cycle.err"; then
  pass "call graph check catches a cycle"
else
  fail "call graph check catches a cycle"
fi

# 2. The release library.
if bash "$main/build.sh" "$out/release"; then
  so="$out/release/libjreclaim.so"
  if nm -D --undefined-only "$so" | grep -qw abort; then fail "release .so has no JR_CHECK"; else pass "release .so has no JR_CHECK"; fi
  nm -D --defined-only "$so" | awk '{ print $3 }' | grep '^jr_' | sort >"$out/exported"
  sed -n 's/^JR_API [^(]*[ *]\(jr_[a-z0-9_]*\)(.*/\1/p' "$main/jreclaim.h" | sort >"$out/declared"
  if [ -s "$out/declared" ] && diff "$out/declared" "$out/exported"; then
    pass "release .so exports exactly jreclaim.h"
  else
    fail "release .so exports exactly jreclaim.h"
  fi
else
  fail "release .so builds"
fi

# 3. Test binaries, check build.
flags=(-std=gnu11 -O1 -g -Wall -Wextra -Werror -DJR_CHECKS -fno-omit-frame-pointer)
san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
echo 'int main(void) { return 0; }' >"$out/san.c"
if ! gcc "${san[@]}" -o "$out/san" "$out/san.c" 2>/dev/null || ! "$out/san"; then
  echo "note: ASan/UBSan unavailable here; the C tests run without them"
  san=()
fi
run_binary() { # name, then sources
  local name="$1"
  shift
  if ! gcc "${flags[@]}" "${san[@]}" -DJR_HEADER_PATH="\"$main/jreclaim.h\"" -o "$out/$name" "$@" -lpthread -ldl; then
    fail "$name builds"
    return
  fi
  local log="$out/$name.log" rc=0
  timeout 300 "$out/$name" >"$log" 2>"$out/$name.err" || rc=$?
  cat "$log"
  [ -s "$out/$name.err" ] && sed 's/^/  /' "$out/$name.err"
  local ok notok
  ok=$(grep -c '^ok ' "$log")
  notok=$(grep -c '^not ok ' "$log")
  passed=$((passed + ok))
  failed=$((failed + notok))
  if [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ]; then
    fail "$name exited with status $rc"
  fi
}
run_binary test_table_state "$here/unit/test_table_state.c" "$main/range_table.c" "$main/range_memory.c" \
  "$main/range_state.c" "$main/kernel.c"
run_binary test_memory "$here/unit/test_memory.c" "$main/range_memory.c" "$main/kernel.c"
run_binary test_files "$here/unit/test_files.c" "$main/files.c" "$main/hash.c"
run_binary test_e2e "$here/unit/test_e2e.c" "$main"/*.c
run_binary test_workers "$here/unit/test_workers.c" "$main"/*.c
run_binary test_spill "$here/unit/test_spill.c" "$main"/*.c

echo "c tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
