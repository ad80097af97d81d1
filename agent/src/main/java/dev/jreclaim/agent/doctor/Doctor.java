package dev.jreclaim.agent.doctor;

import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.NativeLibrary;
import dev.jreclaim.agent.linux.Watchdog;
import dev.jreclaim.agent.linux.Userfaultfd;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code java -jar jreclaim-agent.jar doctor}: one {@code doctor: <name>: <value>} line per fact
 * (docs/doctor.md explains each), then a live probe of the fault path, then {@code doctor: OK}
 * (exit 0) or {@code doctor: UNAVAILABLE: <reason and what to change>} (exit 1). The probe runs
 * under a watchdog: a fault that nobody answers would hang the JVM for good (a thread waiting in
 * the kernel's handle_userfault blocks every safepoint), so on timeout doctor prints its verdict
 * and ends the process with {@code _exit} (exit 3). Not Runtime.halt: halt itself waits for a
 * safepoint, so it waits for the stuck thread too; and a Java thread may not even get to its exit
 * (returning from a wait, or a downcall's first call, can need a safepoint or handshake). So the
 * deadline is also kept by libjreclaim's native watchdog thread, never attached to the JVM, which
 * prints the verdict itself if Java could not and ends the process the same way; an
 * {@code alarm(2)} after that is the kernel's last word (exit 142).
 */
public final class Doctor {
    public static final int EXIT_OK = 0;
    public static final int EXIT_UNAVAILABLE = 1;
    public static final int EXIT_HUNG = 3;
    /** How long the live probe may take, in seconds. */
    public static final String TIMEOUT_PROPERTY = "jreclaim.doctor.timeoutSeconds";
    /** Fault injection for the watchdog's test: the fault service waits this long before each answer. */
    public static final String TEST_FAULT_DELAY_PROPERTY = "jreclaim.doctor.testFaultDelayMillis";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** How much later than the watchdog the kernel's SIGALRM backstop fires. */
    static final int BACKSTOP_GRACE_SECONDS = 10;
    /** How much later than the Java watchdog the native one fires. */
    static final int NATIVE_GRACE_SECONDS = 2;

    private final PrintStream out;

    private Doctor(PrintStream out) {
        this.out = out;
    }

    public static int run(PrintStream out) {
        Doctor d = new Doctor(out);
        Optional<String> unavailable;
        try {
            unavailable = d.check();
        } catch (Throwable t) {
            unavailable = Optional.of(deniedNativeAccess(t) ? NATIVE_ACCESS_DENIED : "doctor failed unexpectedly: " + t);
        }
        if (unavailable.isPresent()) {
            d.verdict("UNAVAILABLE: " + unavailable.get());
            return EXIT_UNAVAILABLE;
        }
        d.verdict("OK");
        return EXIT_OK;
    }

    static final String NATIVE_ACCESS_DENIED = "native access is denied to jreclaim (--illegal-native-access=deny):"
            + " run with --enable-native-access=ALL-UNNAMED (java -jar gets it from the jar's manifest)";

    /** Prints every line; returns why jreclaim cannot work here, empty when the probe passed. */
    private Optional<String> check() throws InterruptedException {
        emit(HostChecks.jvm());
        ProcStatus status = HostChecks.procStatus();
        emit(HostChecks.privileges(status));
        Userfaultfd.Probe probe;
        try {
            probe = Userfaultfd.probe();
        } catch (Throwable t) {
            emit(HostChecks.memory());
            if (deniedNativeAccess(t)) {
                return Optional.of(NATIVE_ACCESS_DENIED);
            }
            throw t;
        }
        emit(UserfaultfdChecks.lines(probe));
        emit(HostChecks.memory());
        boolean lz4;
        try {
            lz4 = NativeLibrary.lz4Available();
        } catch (RuntimeException | LinkageError e) {
            emit(new CheckLine("libjreclaim", "cannot be loaded: " + e.getMessage()));
            return Optional.of("libjreclaim.so cannot be loaded (" + e.getMessage() + "): java.io.tmpdir ("
                    + System.getProperty("java.io.tmpdir") + ") must be writable and allow executable mappings (not noexec)");
        }
        emit(new CheckLine("liblz4", lz4 ? "available" : "missing (SNAPSHOT ranges cannot be made: apt-get install liblz4-1)"));
        Optional<String> reason = UserfaultfdChecks.unavailableReason(probe, status);
        if (reason.isPresent()) {
            return reason;
        }
        return underWatchdog(new LiveProbe(this::emit, Duration.ofMillis(Long.getLong(TEST_FAULT_DELAY_PROPERTY, 0))), lz4);
    }

    private Optional<String> underWatchdog(LiveProbe probe, boolean lz4) throws InterruptedException {
        Duration timeout = Duration.ofSeconds(Long.getLong(TIMEOUT_PROPERTY, DEFAULT_TIMEOUT.toSeconds()));
        Watchdog.arm(timeout.plusSeconds(NATIVE_GRACE_SECONDS), EXIT_HUNG, CheckLine.PREFIX
                + "UNAVAILABLE: the live probe did not finish within " + timeout.toSeconds() + " s: a fault on one of"
                + " its pages was not answered, which would hang an application the same way; the JVM could not even"
                + " run its own watchdog (safepoints blocked), so libjreclaim's native watchdog ended it with _exit\n");
        Libc.alarm((int) Math.min(Integer.MAX_VALUE, timeout.toSeconds() + BACKSTOP_GRACE_SECONDS));
        CompletableFuture<Optional<String>> result = new CompletableFuture<>();
        // A daemon: if it hangs in a fault, nothing must wait for it.
        Thread.ofPlatform().daemon().name("jreclaim-doctor-probe").start(() -> {
            try {
                result.complete(probe.run(lz4));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            Optional<String> outcome = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Watchdog.disarm();
            Libc.alarm(0);
            return outcome;
        } catch (ExecutionException e) {
            Watchdog.disarm();
            Libc.alarm(0);
            return Optional.of("the live probe failed: " + e.getCause());
        } catch (TimeoutException e) {
            Watchdog.message(""); // the verdict is ours to print; the native watchdog only ends the process
            verdict("UNAVAILABLE: the live probe did not finish within " + timeout.toSeconds() + " s (it was "
                    + probe.step() + "): a fault on one of its pages was not answered, which would hang an"
                    + " application the same way. Report it with the lines above; doctor ended the JVM with _exit");
            probe.discardFiles();
            Libc.exitImmediately(EXIT_HUNG);
            throw new AssertionError("_exit returned");
        }
    }

    private void emit(CheckLine line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    private void emit(List<CheckLine> lines) {
        lines.forEach(this::emit);
    }

    private void verdict(String text) {
        synchronized (out) {
            out.println(CheckLine.PREFIX + text);
            out.flush();
        }
    }

    /** Whether {@code t} comes from a restricted FFM method refused under --illegal-native-access=deny. */
    static boolean deniedNativeAccess(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IllegalCallerException) {
                return true;
            }
        }
        return false;
    }
}
