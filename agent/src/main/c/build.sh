#!/usr/bin/env bash
# Compiles libjreclaim.so into the given directory (called by Maven at the compile phase).
#
# LZ4 (the SNAPSHOT source) is linked in from liblz4.a when it is there (Debian/Ubuntu: liblz4-dev,
# whose liblz4.a is position-independent), its symbols hidden: the library then needs nothing beyond
# glibc at run time. Run as root with apt-get and without liblz4-dev, this script installs it. Without
# it, the library opens liblz4.so.1 (liblz4-1) at first use instead, and says so here.
#   JRECLAIM_LZ4=static   fail unless LZ4 can be bundled
#   JRECLAIM_LZ4=dlopen   never bundle (and never install anything)
set -euo pipefail
out="$1"
src="$(cd "$(dirname "$0")" && pwd)"
mode="${JRECLAIM_LZ4:-auto}"
command -v gcc >/dev/null || { echo "jreclaim: gcc is needed to build the native fault service (apt-get install gcc)" >&2; exit 1; }
mkdir -p "$out"

static_lz4() { # prints the path of a usable liblz4.a, or fails
  local a
  a=$(gcc -print-file-name=liblz4.a)
  [ "$a" != liblz4.a ] && [ -f "$a" ] && echo '#include <lz4.h>' | gcc -E -x c - >/dev/null 2>&1 && echo "$a"
}

lz4a=""
if [ "$mode" != dlopen ]; then
  if ! lz4a=$(static_lz4) && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "jreclaim: installing liblz4-dev to bundle LZ4 in libjreclaim.so (JRECLAIM_LZ4=dlopen: do not)" >&2
    apt() { DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 "$@" >/dev/null 2>&1; }
    apt install liblz4-dev || { apt update && apt install liblz4-dev; } || true
    lz4a=$(static_lz4) || lz4a=""
  fi
fi
if [ -n "$lz4a" ]; then
  lz4=(-DJR_LZ4_STATIC)
  libs=("$lz4a" -Wl,--exclude-libs,liblz4.a)
elif [ "$mode" = static ]; then
  echo "jreclaim: JRECLAIM_LZ4=static but no liblz4.a and lz4.h: install liblz4-dev (apt-get install liblz4-dev)" >&2
  exit 1
else
  why="no liblz4.a/lz4.h; apt-get install liblz4-dev"
  [ "$mode" = dlopen ] && why="JRECLAIM_LZ4=dlopen"
  echo "jreclaim: LZ4 is not bundled ($why): libjreclaim.so will open liblz4.so.1 at run time" >&2
  lz4=()
  libs=()
fi
gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden "${lz4[@]}" \
    -o "$out/libjreclaim.so" "$src"/*.c "${libs[@]}" -lpthread -ldl
