#!/usr/bin/env bash
# Compiles the test helpers (called by Maven at process-test-classes).
set -euo pipefail
out="$1"
src="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
for f in "$src"/*.c; do
  gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$out/$(basename "$f" .c)" "$f"
done
