package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.config.ConfigLoader;
import dev.jreclaim.agent.config.LogLevel;
import dev.jreclaim.agent.linux.UserfaultfdUnavailableException;
import dev.jreclaim.agent.log.AgentLog;
import dev.jreclaim.agent.range.FaultService;
import dev.jreclaim.instrumentation.api.JdkInstrumentation;
import dev.jreclaim.instrumentation.api.MemoryHook;
import dev.jreclaim.instrumentation.directbuffer.DirectBufferInstrumentation;
import dev.jreclaim.instrumentation.ffmarena.ArenaInstrumentation;
import java.lang.instrument.Instrumentation;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Starts the agent, from {@code dev.jreclaim.bootstrap.AgentPremain} once the JDK is known to be new
 * enough. Writes exactly one line to its log ({@link AgentLog}): how it started, or why it did not,
 * in which case the application runs exactly as without it. Never throws: an exception from premain
 * would stop the JVM.
 */
public final class AgentStart {
    private record Line(LogLevel level, String text) {}

    private AgentStart() {}

    public static void start(String args, Instrumentation inst, boolean attached) {
        Line line;
        try {
            // Only the log level for now (-Djreclaim.log.level, JRECLAIM_LOG_LEVEL, jreclaim.config's file);
            // the options are still the temporary min-size/source until the configuration is wired in.
            AgentLog.setLevel(ConfigLoader.load(null).config().logLevel());
            line = startOrExplain(args, inst, attached);
        } catch (Throwable t) {
            line = disabled("internal error: " + t);
        }
        if (line.level() == LogLevel.WARN) {
            AgentLog.warn(line.text());
        } else {
            AgentLog.info(line.text());
        }
    }

    private static Line disabled(String why) {
        return new Line(LogLevel.WARN, "agent disabled: " + why + "; the application runs without it");
    }

    private static synchronized Line startOrExplain(String args, Instrumentation inst, boolean attached) {
        if (ReclaimRuntime.current() != null) {
            return new Line(LogLevel.WARN, "agent already running (" + ReclaimRuntime.current().policy().describe()
                    + "); this second start is ignored");
        }
        NativeAccess access = NativeAccess.probe();
        if (access == NativeAccess.DENIED) {
            return disabled("native access is denied (--illegal-native-access=deny); add"
                    + " --enable-native-access=ALL-UNNAMED to use it");
        }
        AllocationPolicy policy;
        try {
            policy = AgentArguments.policy(args);
        } catch (IllegalArgumentException e) {
            return disabled(e.getMessage());
        }
        FaultService service;
        try {
            service = FaultService.start();
        } catch (UserfaultfdUnavailableException e) {
            return disabled(e.getMessage() + " (java -jar jreclaim-agent.jar doctor says what to change)");
        } catch (RuntimeException | LinkageError e) {
            return disabled("the fault service cannot start: " + e.getMessage());
        }
        List<JdkInstrumentation> all = List.of(new DirectBufferInstrumentation(), new ArenaInstrumentation());
        List<String> problems = InstrumentationInstaller.install(inst, all);
        if (problems.isEmpty()) {
            problems = SubstitutionProbe.verify(all);
        }
        if (!problems.isEmpty()) {
            service.close();
            return disabled(String.join("; ", problems));
        }
        ReclaimRuntime runtime = new ReclaimRuntime(service, policy);
        ReclaimRuntime.setCurrent(runtime);
        MemoryHook.install(runtime);
        return new Line(LogLevel.INFO, "agent started" + (attached ? " (attached)" : "") + ": userfaultfd "
                + service.mode().description() + "; reclaimable: " + policy.describe() + "; instrumented: "
                + all.stream().map(JdkInstrumentation::name).collect(Collectors.joining(", "))
                + (access == NativeAccess.WARNED ? "; native access is not enabled, hence the JDK's warning:"
                        + " add --enable-native-access=ALL-UNNAMED" : ""));
    }
}
