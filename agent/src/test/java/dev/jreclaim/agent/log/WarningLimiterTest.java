package dev.jreclaim.agent.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WarningLimiterTest {
    final AtomicLong now = new AtomicLong(-5_000); // nanoTime may be negative
    final WarningLimiter limiter = new WarningLimiter(1_000, now::get);

    @Test
    void firstPassesThenOneAnIntervalWithTheCountHeldBack() {
        assertEquals(0, limiter.admit("a"));
        assertEquals(WarningLimiter.SUPPRESSED, limiter.admit("a"));
        now.addAndGet(999);
        assertEquals(WarningLimiter.SUPPRESSED, limiter.admit("a"));
        now.addAndGet(1);
        assertEquals(2, limiter.admit("a"));
        now.addAndGet(5_000);
        assertEquals(0, limiter.admit("a"), "the count starts again after each written warning");
    }

    @Test
    void keysAreLimitedApart() {
        assertEquals(0, limiter.admit("a"));
        assertEquals(0, limiter.admit("b"));
        assertEquals(WarningLimiter.SUPPRESSED, limiter.admit("a"));
        assertEquals(WarningLimiter.SUPPRESSED, limiter.admit("b"));
    }
}
