package dev.jreclaim.agent.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jreclaim.agent.config.LogLevel;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AgentLogTest {
    final AtomicLong now = new AtomicLong();
    AgentLogbackTest.Captured captured;

    @BeforeEach
    void capture() {
        captured = new AgentLogbackTest.Captured();
        AgentLog.redirect(captured.logger, new WarningLimiter(AgentLog.WARNING_INTERVAL_NANOS, now::get));
    }

    @AfterEach
    void restore() {
        AgentLog.setLevel(LogLevel.INFO);
        AgentLog.redirect(null, new WarningLimiter(AgentLog.WARNING_INTERVAL_NANOS, System::nanoTime));
    }

    void everyLevel() {
        AgentLog.trace("t");
        AgentLog.debug("d");
        AgentLog.info("i");
        AgentLog.warn("w");
        AgentLog.error("e");
    }

    @Test
    void infoByDefault() {
        everyLevel();
        assertEquals(List.of("jreclaim: i", "jreclaim: WARN w", "jreclaim: ERROR e"), captured.lines());
    }

    @Test
    void theThresholdDecides() {
        AgentLog.setLevel(LogLevel.TRACE);
        everyLevel();
        AgentLog.setLevel(LogLevel.ERROR);
        everyLevel();
        AgentLog.setLevel(LogLevel.OFF);
        everyLevel();
        assertEquals(List.of("jreclaim: TRACE t", "jreclaim: DEBUG d", "jreclaim: i", "jreclaim: WARN w",
                "jreclaim: ERROR e", "jreclaim: ERROR e"), captured.lines());
    }

    @Test
    void aLimitedWarningSaysHowManyWereNotShown() {
        for (int i = 0; i < 5; i++) {
            AgentLog.warnLimited("range-table-full", "range table full " + i);
        }
        now.addAndGet(AgentLog.WARNING_INTERVAL_NANOS);
        AgentLog.warnLimited("range-table-full", "range table full 5");
        assertEquals(List.of("jreclaim: WARN range table full 0",
                "jreclaim: WARN range table full 5 (4 more like this not shown since the last one)"), captured.lines());
    }

    @Test
    void aSilencedLimitedWarningIsNotCounted() {
        AgentLog.setLevel(LogLevel.ERROR);
        AgentLog.warnLimited("k", "not counted");
        AgentLog.setLevel(LogLevel.INFO);
        AgentLog.warnLimited("k", "first");
        assertEquals(List.of("jreclaim: WARN first"), captured.lines());
    }
}
