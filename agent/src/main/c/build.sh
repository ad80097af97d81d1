#!/usr/bin/env bash
# Compiles libjreclaim.so into the given directory (called by Maven at the compile phase).
set -euo pipefail
out="$1"
src="$(cd "$(dirname "$0")" && pwd)"
command -v gcc >/dev/null || { echo "jreclaim: gcc is needed to build the native fault service (apt-get install gcc)" >&2; exit 1; }
mkdir -p "$out"
gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden \
    -o "$out/libjreclaim.so" "$src"/*.c -lpthread -ldl
