package dev.jreclaim.agent.config;

import java.util.Locale;

/**
 * How a {@code rebuild:file} page is checked before its file's bytes are installed ({@code
 * jreclaim.rule.<id>.file-check}; docs/fault-path.md, "Pages rebuilt from the file they were read from").
 */
public enum FileCheck {
    /** The file's device, inode, size, mtime and ctime as at the read, before and after the pread. */
    IDENTITY("identity"),
    /** The identity, and the XXH64 of each page taken at mark compared with the bytes read: a change the timestamps missed. */
    HASH("hash");

    static final String ALLOWED = "use identity or hash";
    private final String token;

    FileCheck(String token) {
        this.token = token;
    }

    public static FileCheck parse(String text) throws InvalidValueException {
        for (FileCheck c : values()) {
            if (c.token.equals(text.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new InvalidValueException("not a file check; " + ALLOWED);
    }

    public String token() {
        return token;
    }
}
