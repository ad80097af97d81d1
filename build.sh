#!/usr/bin/env bash
# jreclaim's entry point for developers and CI. It finds a JDK >= 25 by itself and runs Maven with it.
#
#   ./build.sh test      build everything and run every test (what CI runs)
#   ./build.sh demo      build the agent (no tests) and run the demo: a service with and without -javaagent
#   ./build.sh demo-files   a static-file service (512 MiB of incompressible files) in a 128 MiB cgroup, with and without -javaagent
#   ./build.sh demo-ranges  the fault-path demo: VolatileRanges under a memory cgroup
#   ./build.sh package   build agent/target/jreclaim-agent.jar without running tests
#   ./build.sh soak [--duration 10m]  the soak (docs/soak.md), not part of test
#   ./build.sh bench [--dry-run]  the benchmark suite, one `name: value` line per ratio (docs/benchmarks.md), not part of test
#   ./build.sh mvn ARGS  run Maven with the JDK it found
#   ./build.sh java ARGS run that JDK's java
set -euo pipefail
cd "$(dirname "$0")"
REQUIRED=25  # the agent is compiled for Java 25 (pom.xml maven.compiler.release)

jdk_major() { # prints the feature version of the JDK at $1, or nothing
  local home="$1" v=""
  [ -x "$home/bin/javac" ] || return 0
  if [ -f "$home/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")
  fi
  if [ -z "$v" ]; then
    v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  fi
  v="${v#1.}"
  echo "${v%%[.+-]*}"
}

find_jdk() {
  local best="" best_v=0 c v
  local candidates=()
  [ -n "${JRECLAIM_JAVA_HOME:-}" ] && candidates+=("$JRECLAIM_JAVA_HOME")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for c in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/*/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    v=$(jdk_major "$c")
    [ -n "$v" ] || continue
    # An explicit JRECLAIM_JAVA_HOME that is new enough wins outright.
    if [ "$c" = "${JRECLAIM_JAVA_HOME:-}" ] && [ "$v" -ge "$REQUIRED" ]; then echo "$c"; return 0; fi
    if [ "$v" -gt "$best_v" ]; then best="$c"; best_v="$v"; fi
  done
  if [ "$best_v" -ge "$REQUIRED" ]; then echo "$best"; return 0; fi
  return 1
}

if ! JDK=$(find_jdk); then
  echo "build.sh: no JDK $REQUIRED or newer found (looked at JRECLAIM_JAVA_HOME, JAVA_HOME, javac on PATH, /usr/lib/jvm, /opt, ~/.sdkman, ~/.jdks)." >&2
  echo "build.sh: install one, e.g. 'apt-get install openjdk-25-jdk' or Temurin 25 (temurin-25-jdk), or point JRECLAIM_JAVA_HOME at it." >&2
  exit 1
fi
export JAVA_HOME="$JDK"
export PATH="$JAVA_HOME/bin:$PATH"
# Maven's own Guava calls sun.misc.Unsafe; JDK 24+ warns about it on every run.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
command -v mvn >/dev/null || { echo "build.sh: Maven is needed (apt-get install maven)" >&2; exit 1; }
MVN=(mvn -B -ntp)

cmd="${1:-test}"
[ $# -gt 0 ] && shift
case "$cmd" in
  test)
    echo "build.sh: using JDK $JAVA_HOME"
    "${MVN[@]}" verify "$@"
    ;;
  package)
    "${MVN[@]}" -q -DskipTests package "$@"
    echo "build.sh: built agent/target/jreclaim-agent.jar"
    ;;
  demo)
    # The unmodified blob-cache service in a memory cgroup, with -javaagent and a properties file, then without.
    "${MVN[@]}" -q -DskipTests package
    exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx256m \
      -cp "samples/target/jreclaim-samples.jar:agent/target/jreclaim-agent.jar" \
      dev.jreclaim.samples.blobcache.ServiceDemo agent/target/jreclaim-agent.jar \
      samples/blobcache-jreclaim.properties samples/target/jreclaim-samples.jar
    ;;
  demo-files)
    # The unmodified static-file service (FileChannel.read into direct buffers) in a 128 MiB memory cgroup,
    # with -javaagent and samples/filecache-jreclaim.properties (rebuild:file), then on the plain JDK.
    "${MVN[@]}" -q -DskipTests package
    exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx256m \
      -cp "samples/target/jreclaim-samples.jar:agent/target/jreclaim-agent.jar" \
      dev.jreclaim.samples.filecache.FileCacheDemo agent/target/jreclaim-agent.jar \
      samples/filecache-jreclaim.properties samples/target/jreclaim-samples.jar "$@"
    ;;
  demo-ranges)
    # The fault path alone: 1 GiB of VolatileRanges in a 256 MiB cgroup vs plain allocateDirect.
    "${MVN[@]}" -q -DskipTests package
    exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx256m \
      -cp "samples/target/jreclaim-samples.jar:agent/target/jreclaim-agent.jar" \
      dev.jreclaim.samples.pressure.PressureDemo "$@"
    ;;
  soak)
    # Not part of test: a long run over every rebuild source with every byte checked (docs/soak.md).
    "${MVN[@]}" -q -DskipTests package
    exec scripts/soak "$@"
    ;;
  bench)
    # Not part of test: every ratio of issue 11 with its goal, in at most 20 minutes (docs/benchmarks.md).
    # --dry-run builds nothing and checks in a second that each step's command is there.
    if [ "${1:-}" != "--dry-run" ]; then
      t0=$(date +%s)
      "${MVN[@]}" -q -DskipTests package
      export JRECLAIM_BENCH_BUILD_SECONDS=$(( $(date +%s) - t0 )) # counted in the bench's total
    fi
    exec benchmarks/scripts/bench.sh "$@"
    ;;
  mvn) exec "${MVN[@]}" "$@" ;;
  java) exec "$JAVA_HOME/bin/java" "$@" ;;
  *) echo "usage: ./build.sh test|demo|demo-files|demo-ranges|package|soak [--duration 10m]|bench [--dry-run]|mvn ARGS|java ARGS" >&2; exit 2 ;;
esac
