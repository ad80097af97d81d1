package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.linux.UserfaultfdUnavailableException;
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
 * enough. Prints exactly one line, to stderr: how it started, or why it did not, in which case the
 * application runs exactly as without it. Never throws: an exception from premain would stop the JVM.
 */
public final class AgentStart {
    static final String PREFIX = "jreclaim: ";

    private AgentStart() {}

    public static void start(String args, Instrumentation inst, boolean attached) {
        String line;
        try {
            line = startOrExplain(args, inst, attached);
        } catch (Throwable t) {
            line = disabled("internal error: " + t);
        }
        System.err.println(line);
    }

    private static String disabled(String why) {
        return PREFIX + "WARN agent disabled: " + why + "; the application runs without it";
    }

    private static synchronized String startOrExplain(String args, Instrumentation inst, boolean attached) {
        if (ReclaimRuntime.current() != null) {
            return PREFIX + "WARN agent already running (" + ReclaimRuntime.current().policy().describe()
                    + "); this second start is ignored";
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
        return PREFIX + "agent started" + (attached ? " (attached)" : "") + ": userfaultfd "
                + service.mode().description() + "; reclaimable: " + policy.describe() + "; instrumented: "
                + all.stream().map(JdkInstrumentation::name).collect(Collectors.joining(", "))
                + (access == NativeAccess.WARNED ? "; native access is not enabled, hence the JDK's warning:"
                        + " add --enable-native-access=ALL-UNNAMED" : "");
    }
}
