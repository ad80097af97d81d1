package dev.jreclaim.agent.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A jreclaim properties file for a child JVM, deleted when the test JVM exits. */
final class ConfigFile {
    /** Every allocation of at least 64 KiB, of either kind, anywhere; marked only by the test itself. */
    static final String EVERYTHING_64K = """
            jreclaim.rule.all.kind=any
            jreclaim.rule.all.min-size=64KiB
            jreclaim.rule.all.mark=explicit
            jreclaim.rule.all.on-purge=%s
            """;

    private ConfigFile() {}

    static Path write(String properties) {
        try {
            Path f = Files.createTempFile("jreclaim-it-", ".properties");
            f.toFile().deleteOnExit();
            return Files.writeString(f, properties);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The agent option naming a new file with these properties. */
    static String option(String properties) {
        return "config=" + write(properties);
    }
}
