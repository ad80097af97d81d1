package dev.jreclaim.agent.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.time.Duration;

/**
 * The process watchdog of agent/src/main/c/watchdog.c: a native thread that ends the process with
 * {@code _exit(status)} once armed and not disarmed in time, needing nothing from the JVM (a Java thread
 * stuck on an unanswered fault would hold up every safepoint, and a Java watchdog with it).
 */
public final class Watchdog {
    private static final class Handles {
        static final MethodHandle ARM = NativeLibrary.downcall("jr_watchdog_arm",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS));
        static final MethodHandle MESSAGE = NativeLibrary.downcall("jr_watchdog_message",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle DISARM = NativeLibrary.downcall("jr_watchdog_disarm", FunctionDescriptor.of(JAVA_INT));
    }

    private Watchdog() {}

    /** After {@code timeout} it writes {@code message} to stdout and ends the process with {@code _exit(status)}. */
    public static void arm(Duration timeout, int status, String message) {
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) Handles.ARM.invokeExact(timeout.toMillis(), status, arena.allocateFrom(message));
            if (r < 0) {
                throw new NativeCallException("jr_watchdog_arm", "watchdog thread", -r);
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** Replaces the message it writes when it fires ("" for none). */
    public static void message(String message) {
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) Handles.MESSAGE.invokeExact(arena.allocateFrom(message));
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    public static void disarm() {
        try {
            int r = (int) Handles.DISARM.invokeExact();
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }
}
