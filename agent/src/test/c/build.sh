#!/usr/bin/env bash
# Compiles the test helpers (called by Maven at process-test-classes): each *.c here is one binary
# used by the Java tests. The library's own C tests are in unit/, run by run-tests.sh.
set -euo pipefail
out="$1"
src="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
for f in "$src"/*.c; do
  gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$out/$(basename "$f" .c)" "$f"
done
