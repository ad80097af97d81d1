package dev.jreclaim.agent.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentLogbackTest {
    static final class Captured {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final Logger logger;

        Captured() {
            OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
            appender.setOutputStream(bytes);
            logger = AgentLogback.logger(appender);
        }

        List<String> lines() {
            return bytes.toString(StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void infoLinesCarryNoLevelAndTheOthersDo() {
        Captured c = new Captured();
        c.logger.info("agent started: userfaultfd syscall");
        c.logger.warn("agent disabled: because");
        c.logger.error("broken");
        c.logger.debug("details");
        c.logger.trace("more details");
        assertEquals(List.of("jreclaim: agent started: userfaultfd syscall", "jreclaim: WARN agent disabled: because",
                "jreclaim: ERROR broken", "jreclaim: DEBUG details", "jreclaim: TRACE more details"), c.lines());
    }

    @Test
    void aMessageIsWrittenAsGivenNotAsAPattern() {
        Captured c = new Captured();
        c.logger.info("INFO {} %level ${user.home} 100%");
        assertEquals(List.of("jreclaim: INFO {} %level ${user.home} 100%"), c.lines());
    }

    @Test
    void aCauseFollowsWithItsStackTrace() {
        Captured c = new Captured();
        c.logger.warn("failed", new IllegalStateException("why"));
        List<String> lines = c.lines();
        assertEquals("jreclaim: WARN failed", lines.getFirst());
        assertEquals("java.lang.IllegalStateException: why", lines.get(1));
        assertTrue(lines.get(2).strip().startsWith("at dev.jreclaim.agent.log.AgentLogbackTest"), lines.toString());
    }

    @Test
    void eachLoggerHasItsOwnContext() {
        assertTrue(new Captured().logger.getLoggerContext() != new Captured().logger.getLoggerContext());
    }
}
