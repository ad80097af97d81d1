package dev.jreclaim.agent.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;

/**
 * The agent's own Logback, relocated into the agent jar and built here by hand. Never through
 * SLF4J's {@code LoggerFactory} or Logback's {@code ContextInitializer}: those would look for the
 * host's {@code logback.xml} (resource names survive relocation), consult {@code ServiceLoader} and the
 * context class loader, and make this copy a candidate SLF4J provider beside the host's own.
 */
final class AgentLogback {
    static final String LOGGER_NAME = "jreclaim";

    private AgentLogback() {}

    /** A logger writing to whatever {@code System.err} is at the time of each line. */
    static Logger toStderr() {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setTarget("System.err");
        return logger(console);
    }

    /** A logger on a private context whose one appender is {@code appender}, not yet started. */
    static Logger logger(OutputStreamAppender<ILoggingEvent> appender) {
        LoggerContext context = new LoggerContext();
        context.setName(LOGGER_NAME);
        // Logback's SLF4J provider would set this; every event reads it (prepareForDeferredProcessing).
        context.setMDCAdapter(new LogbackMDCAdapter());

        AgentLayout layout = new AgentLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();

        appender.setContext(context);
        appender.setName("stderr");
        appender.setEncoder(encoder);
        appender.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        // AgentLog decides what is written; Logback passes everything it is given.
        root.setLevel(Level.ALL);
        return context.getLogger(LOGGER_NAME);
    }
}
