#!/usr/bin/env bash
# check-call-graph.sh SRC_DIR OBJ_DIR: compiles each .c of SRC_DIR to an object, reads the global
# symbols each defines and needs with nm, prints the file -> file graph, and fails (exit 1) naming
# the files of a cycle if there is one. Used by run-tests.sh on agent/src/main/c.
set -euo pipefail
src="$1"
obj="$2"
rm -rf "$obj"
mkdir -p "$obj"
for f in "$src"/*.c; do
  gcc -std=gnu11 -O0 -fPIC -fvisibility=hidden -c -o "$obj/$(basename "$f" .c).o" "$f"
done
for o in "$obj"/*.o; do
  nm --defined-only -g "$o" | awk -v f="$(basename "$o" .o)" 'NF == 3 { print $3, f }'
done | sort -k1,1 >"$obj/defs"
: >"$obj/edges"
for o in "$obj"/*.o; do
  f="$(basename "$o" .o)"
  echo "$f $f" >>"$obj/edges" # every file is a node, even with no edge
  nm -u "$o" | awk '{ print $NF }' | sort -u | join - "$obj/defs" | awk -v f="$f" '$2 != f { print f, $2 }' |
    sort -u >>"$obj/edges"
done
awk '$1 != $2 { print "  " $1 " -> " $2 }' "$obj/edges" | sort -u
if ! tsort "$obj/edges" >/dev/null 2>"$obj/tsort.err"; then
  echo "call cycle among: $(sed -n 's/^tsort: \([^:]*\)$/\1/p' "$obj/tsort.err" | tr '\n' ' ')" >&2
  exit 1
fi
