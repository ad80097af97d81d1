package dev.jreclaim.samples.pressure;

import java.util.Locale;

/** How {@link WorkingSet} holds its buffers. */
public enum WorkingSetMode {
    /** SNAPSHOT-sourced ranges, each marked right after it is filled: the kernel may take the pages back. */
    RECLAIMABLE,
    /** The same ranges, never marked: identical memory and access path, only {@code mark()} is missing. */
    UNMARKED,
    /** Plain {@code ByteBuffer.allocateDirect}, what an application has without jreclaim. */
    PLAIN;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static WorkingSetMode of(String cliName) {
        for (WorkingSetMode m : values()) {
            if (m.cliName().equals(cliName)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + cliName + "': reclaimable, unmarked or plain");
    }
}
