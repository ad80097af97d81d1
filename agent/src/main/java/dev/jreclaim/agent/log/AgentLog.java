package dev.jreclaim.agent.log;

import ch.qos.logback.classic.Logger;
import dev.jreclaim.agent.config.LogLevel;
import java.util.concurrent.TimeUnit;

/**
 * The agent's log: lines on stderr, {@code jreclaim: message} at INFO, {@code jreclaim: LEVEL message}
 * otherwise, through the agent's private, relocated Logback ({@link AgentLogback}). The threshold is
 * {@code jreclaim.log.level} ({@link #setLevel}); INFO until set. Logback is built at the first line
 * with a cause (a stack trace to format); lines before it are written by {@link #plain} in the same layout,
 * so that an agent that only says it started never loads Logback. Never throws: it is called from premain and
 * from inside the JDK's allocation paths.
 */
public final class AgentLog {
    /** How often one kind of rate-limited warning may be written. */
    static final long WARNING_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private static volatile LogLevel threshold = LogLevel.INFO;
    private static volatile Logger logger;
    private static volatile boolean logbackFailed;
    private static volatile WarningLimiter limiter = new WarningLimiter(WARNING_INTERVAL_NANOS, System::nanoTime);

    private AgentLog() {}

    public static void setLevel(LogLevel level) {
        threshold = level;
    }

    public static LogLevel level() {
        return threshold;
    }

    public static boolean enabled(LogLevel level) {
        return threshold.logs(level);
    }

    public static void trace(String message) {
        write(LogLevel.TRACE, message, null);
    }

    public static void debug(String message) {
        write(LogLevel.DEBUG, message, null);
    }

    public static void info(String message) {
        write(LogLevel.INFO, message, null);
    }

    public static void warn(String message) {
        write(LogLevel.WARN, message, null);
    }

    public static void warn(String message, Throwable cause) {
        write(LogLevel.WARN, message, cause);
    }

    public static void error(String message) {
        write(LogLevel.ERROR, message, null);
    }

    public static void error(String message, Throwable cause) {
        write(LogLevel.ERROR, message, cause);
    }

    /**
     * A warning that may recur often (on every allocation, every fault): the first with this key is
     * written, then at most one a minute, saying how many were not written in between. {@code key} is
     * a constant naming the kind of warning, not the message.
     */
    public static void warnLimited(String key, String message) {
        if (!enabled(LogLevel.WARN)) {
            return;
        }
        long suppressed = limiter.admit(key);
        if (suppressed == WarningLimiter.SUPPRESSED) {
            return;
        }
        write(LogLevel.WARN, suppressed == 0 ? message
                : message + " (" + suppressed + " more like this not shown since the last one)", null);
    }

    private static void write(LogLevel level, String message, Throwable cause) {
        if (!enabled(level)) {
            return;
        }
        // A line without a cause, before anything needed Logback, is written as Logback's layout would write it:
        // the start-up line alone would otherwise load and build Logback (docs/benchmarks.md, "Footprint").
        Logger l = cause == null ? logger : logback();
        if (l == null) {
            plain(level, message, cause);
            return;
        }
        try {
            switch (level) {
                case TRACE -> l.trace(message, cause);
                case DEBUG -> l.debug(message, cause);
                case INFO -> l.info(message, cause);
                case WARN -> l.warn(message, cause);
                default -> l.error(message, cause);
            }
        } catch (Throwable t) {
            plain(level, message, cause);
        }
    }

    /** The Logback logger, built once; null if Logback cannot start here (then lines go out plain). */
    private static Logger logback() {
        Logger l = logger;
        if (l == null && !logbackFailed) {
            synchronized (AgentLog.class) {
                l = logger;
                if (l == null && !logbackFailed) {
                    try {
                        logger = l = AgentLogback.toStderr();
                    } catch (Throwable t) {
                        logbackFailed = true;
                        plain(LogLevel.WARN, "the agent's Logback cannot start (" + t + "); plain lines follow", null);
                    }
                }
            }
        }
        return l;
    }

    private static void plain(LogLevel level, String message, Throwable cause) {
        System.err.println(AgentLayout.PREFIX + (level == LogLevel.INFO ? "" : level + " ") + message);
        if (cause != null) {
            cause.printStackTrace();
        }
    }

    /** Tests: write through {@code testLogger} and limit warnings with {@code testLimiter}. */
    static void redirect(Logger testLogger, WarningLimiter testLimiter) {
        logger = testLogger;
        limiter = testLimiter;
    }
}
