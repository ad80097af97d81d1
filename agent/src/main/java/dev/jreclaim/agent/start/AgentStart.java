package dev.jreclaim.agent.start;

import dev.jreclaim.agent.config.AgentConfig;
import dev.jreclaim.agent.config.ConfigLoader;
import dev.jreclaim.agent.config.LoadedConfig;
import dev.jreclaim.agent.config.UffdMode;
import dev.jreclaim.agent.config.UnreachableRules;
import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.UffdAbi;
import dev.jreclaim.agent.linux.Userfaultfd;
import dev.jreclaim.agent.jfr.JfrEvents;
import dev.jreclaim.agent.linux.UserfaultfdUnavailableException;
import dev.jreclaim.agent.jmx.ManagementHook;
import dev.jreclaim.agent.log.AgentLog;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.rules.RulePolicy;
import dev.jreclaim.agent.rules.RuleSet;
import dev.jreclaim.agent.rules.SiteTracker;
import dev.jreclaim.agent.runtime.ReclaimRuntime;
import dev.jreclaim.agent.start.cache.TransformCache;
import dev.jreclaim.instrumentation.api.InstrumentationContext;
import dev.jreclaim.instrumentation.api.FileReadHook;
import dev.jreclaim.instrumentation.api.MemoryHook;
import dev.jreclaim.instrumentation.api.PinHook;
import dev.jreclaim.instrumentation.api.SiteTable;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the agent, from {@code dev.jreclaim.bootstrap.AgentPremain} once the JDK is known to be new
 * enough. Prints, to stderr, one line per configuration problem, then one line: how it started, or why it
 * did not, in which case the application runs exactly as without it. A problem that disables the agent
 * says so in its own line; {@code jreclaim.enabled=false} prints nothing. Never throws: an exception from
 * premain would stop the JVM.
 */
public final class AgentStart {
    static final String PREFIX = "jreclaim: ";

    private AgentStart() {}

    public static void start(String args, Instrumentation inst, boolean attached) {
        Started started;
        try {
            started = startOrExplain(args, inst, attached);
        } catch (Throwable t) {
            started = new Started(List.of(disabled("internal error: " + t)), false, false);
        }
        started.lines().forEach(AgentStart::emit);
        if (!attached && started.running()) {
            StartClock clock = new StartClock();
            StartLeftovers.release(started.collect());
            clock.step("leftovers");
            AgentLog.debug("start leftovers released: " + String.join(", ", clock.steps()));
        }
    }

    /**
     * @param running whether this start installed the agent
     * @param collect {@code jreclaim.start.collect}: whether {@link StartLeftovers} may collect the heap
     */
    private record Started(List<String> lines, boolean running, boolean collect) {}

    /**
     * The agent's own lines go through its log ({@link AgentLog}, whose layout prints the same
     * {@code jreclaim: [LEVEL] text}), so {@code jreclaim.log.level} applies to them. A configuration
     * problem is printed as the configuration renders it, whatever the level: it is what the operator
     * must fix.
     */
    private static void emit(String line) {
        String warn = PREFIX + "WARN ";
        if (line.startsWith(warn)) {
            AgentLog.warn(line.substring(warn.length()));
        } else if (line.startsWith(PREFIX + "agent started")) {
            AgentLog.info(line.substring(PREFIX.length()));
        } else {
            System.err.println(line);
        }
    }

    /** The userfaultfd features the agent uses, named on its start-up line. */
    private static final long USED_FEATURES = UffdAbi.UFFD_FEATURE_PAGEFAULT_FLAG_WP | UffdAbi.UFFD_FEATURE_POISON;

    private static String version() {
        String v = AgentStart.class.getPackage().getImplementationVersion();
        return v != null ? v : "(development build)";
    }

    private static String kernel() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (java.io.IOException | RuntimeException e) {
            return System.getProperty("os.version");
        }
    }

    private static String disabled(String why) {
        return PREFIX + "WARN agent disabled: " + why + "; the application runs without it";
    }

    /**
     * The JDK's own limit on direct memory, {@code jdk.internal.misc.VM.maxDirectMemory()} (-XX:MaxDirectMemorySize,
     * else the heap's maximum), reachable once the installer has exported jdk.internal.misc to the agent; 0 when
     * unknown. Not through java.lang.management: that would load every PlatformMBeanProvider during premain.
     */
    private static long maxDirectMemory() {
        try {
            return (long) Class.forName("jdk.internal.misc.VM").getMethod("maxDirectMemory").invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return 0;
        }
    }

    /** The first message along the causes: an ExceptionInInitializerError has none of its own. */
    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return e.toString();
    }

    private static synchronized Started startOrExplain(String args, Instrumentation inst, boolean attached) {
        if (ReclaimRuntime.current() != null) {
            return new Started(List.of(PREFIX + "WARN agent already running (" + ReclaimRuntime.current().policy().describe()
                    + "); this second start is ignored"), false, false);
        }
        StartClock clock = new StartClock();
        LoadedConfig loaded = ConfigLoader.load(args);
        AgentLog.setLevel(loaded.config().logLevel());
        clock.step("configuration");
        List<String> lines = new ArrayList<>(loaded.lines());
        if (loaded.active()) {
            lines.add(startLine(loaded.config(), inst, attached, lines, clock));
            AgentLog.debug("start steps: " + String.join(", ", clock.steps()));
        }
        return new Started(lines, ReclaimRuntime.current() != null, loaded.config().startCollect());
    }

    /**
     * What user-mode-only mode means for this application, said in the start-up line (docs/agent.md, "User-mode-only
     * mode"): the JDK's own system calls on reclaimable buffers are pinned first, so the kernel never meets a purged
     * page there; system calls of the application's own native code on them are not.
     */
    static String userModeOnlyNote(UffdMode asked) {
        return " (" + (asked == UffdMode.AUTO ? "the best this process may open; " : "")
                + "the JDK's I/O on reclaimable buffers is pinned first; unguarded: system calls made by the"
                + " application's own JNI or FFM code on them (Netty native transports, io_uring) fail with EFAULT on a"
                + " purged page, which a full userfaultfd serves: CAP_SYS_PTRACE, vm.unprivileged_userfaultfd=1 or"
                + " /dev/userfaultfd, see doctor)";
    }

    /** Starts with a valid configuration; rules that cannot run yet add their line to {@code problems}. */
    private static String startLine(AgentConfig config, Instrumentation inst, boolean attached, List<String> problems,
            StartClock clock) {
        NativeAccess access = NativeAccess.probe();
        if (access == NativeAccess.DENIED) {
            return disabled("native access is denied (--illegal-native-access=deny); add"
                    + " --enable-native-access=ALL-UNNAMED to use it");
        }
        RangeRegistry service;
        try {
            service = RangeRegistry.start(ServiceOptions.of(config));
        } catch (UserfaultfdUnavailableException e) {
            return disabled(e.getMessage() + " (java -jar jreclaim-agent.jar doctor says what to change)");
        } catch (RuntimeException | LinkageError e) {
            return disabled("the fault service cannot start: " + reason(e));
        }
        clock.step("fault service");
        boolean kernelAccessServed = service.mode().servesKernelAccess();
        RuleSet rules = RuleSet.of(config.rules(), service.writeProtect(), kernelAccessServed);
        problems.addAll(rules.problems());
        SiteTracker sites = new SiteTracker(rules.rules());
        TransformCache cache = config.cache() ? TransformCache.open(config.cacheDir(), Libc.geteuid()) : null;
        clock.step("transform cache");
        InstrumentationInstaller.Result installed = InstrumentationInstaller.install(
                new InstrumentationContext(inst, rules.hasSites() ? sites : SiteTable.NONE, sites, rules.kinds(),
                        rules.needsPins(kernelAccessServed), rules.readsFiles()), cache, clock);
        if (!installed.problems().isEmpty()) {
            service.close();
            return disabled(String.join("; ", installed.problems()));
        }
        problems.addAll(UnreachableRules.warnings(config.rules(), maxDirectMemory()));
        RulePolicy policy = new RulePolicy(rules.rules(), sites, config.remarkIdle(), config.pressureHeadroom());
        ReclaimRuntime runtime = new ReclaimRuntime(service, policy);
        ReclaimRuntime.setCurrent(runtime);
        if (config.exitSummary()) {
            ExitSummary.register(runtime);
        }
        clock.step("runtime");
        JfrEvents.install(service);
        clock.step("JFR");
        policy.start(service);
        PinHook.install(runtime); // before any memory is handed out: every native access to it is pinned
        MemoryHook.install(runtime);
        if (rules.readsFiles()) {
            FileReadHook.install(runtime.fileReads()); // only then do reads and file mappings pay for the records
        }
        String noPool = ManagementHook.install(inst, runtime);
        if (noPool != null) {
            AgentLog.warn("no jreclaim buffer pool or MBean in JMX: " + noPool);
        }
        clock.step("policy, JMX");
        return PREFIX + "agent started" + (attached ? " (attached)" : "") + ": userfaultfd "
                + service.mode().description()
                + (service.mode() == Userfaultfd.Mode.USER_MODE_ONLY ? userModeOnlyNote(config.uffdMode()) : "")
                + "; reclaimable: " + policy.describe() + "; instrumented: "
                + String.join(", ", installed.installed())
                + (access == NativeAccess.WARNED ? "; native access is not enabled, hence the JDK's warning:"
                        + " add --enable-native-access=ALL-UNNAMED" : "")
                + "; jreclaim " + version() + " on Linux " + kernel() + ", userfaultfd features "
                + String.join(" ", UffdAbi.featureNames(service.features() & USED_FEATURES));
    }
}
