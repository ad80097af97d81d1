package dev.jreclaim.benchmarks;

/**
 * JVM arguments of the benchmark forks. Paths are relative: run {@code java -jar benchmarks/target/benchmarks.jar}
 * from the repository's root, after {@code ./build.sh package} (or the module's own package command).
 */
final class ForkArgs {
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    static final String AGENT = "-javaagent:agent/target/jreclaim-agent.jar=config=benchmarks/jreclaim-bench.properties";
    /** JDK's default settings, every jreclaim event recorded (no threshold), samplers every second; kept in memory. */
    static final String JFR = "-XX:StartFlightRecording:settings=default,+jreclaim.RangeMarked#threshold=0ms,"
            + "+jreclaim.RangeLocked#threshold=0ms,+jreclaim.FaultBatch#period=1s,+jreclaim.PurgeDetected#period=1s,"
            + "+jreclaim.RebuildFailed#period=1s";
    static final String QUIET_JFR = "-Xlog:jfr+startup=warning";

    private ForkArgs() {}
}
