package dev.jreclaim.agent.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Reads a properties file (UTF-8, full {@link Properties} syntax) keeping every entry in file
 * order, duplicates included: rule order is file order, and {@link Properties} alone forgets both.
 *
 * @param entries the entries in the order written
 * @param error   why the file could not be read: "no such file", "is a directory", ...
 */
record PropertiesFile(List<Map.Entry<String, String>> entries, Optional<String> error) {
    /** Far above any real configuration; a bigger file is something else (a log, /proc/kcore). */
    static final int MAX_BYTES = 1 << 20;

    static PropertiesFile read(String location) {
        Path path;
        try {
            path = Path.of(location);
        } catch (InvalidPathException e) {
            return failed("not a valid path: " + e.getReason());
        }
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (attributes.isDirectory()) {
                return failed("is a directory, not a properties file");
            }
            if (!attributes.isRegularFile()) {
                // A FIFO or a device could block start-up forever.
                return failed("not a regular file");
            }
            List<Map.Entry<String, String>> entries = new ArrayList<>();
            @SuppressWarnings("serial")
            Properties recorder = new Properties() {
                @Override
                public synchronized Object put(Object key, Object value) {
                    entries.add(Map.entry((String) key, (String) value));
                    return null;
                }
            };
            byte[] bytes;
            try (InputStream in = Files.newInputStream(path)) {
                bytes = in.readNBytes(MAX_BYTES + 1); // /proc files say size 0: the size is read, not asked
            }
            if (bytes.length > MAX_BYTES) {
                return failed("not a properties file: larger than " + MAX_BYTES + " bytes");
            }
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == 0) {
                    return failed("not a properties file (a NUL byte at offset " + i + ")");
                }
            }
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            // A UTF-8 byte order mark (some editors write one) would be read as the first key's first character.
            recorder.load(new StringReader(text.startsWith("\uFEFF") ? text.substring(1) : text));
            return new PropertiesFile(List.copyOf(entries), Optional.empty());
        } catch (NoSuchFileException e) {
            return failed(missing(path));
        } catch (AccessDeniedException e) {
            return failed("cannot read: permission denied");
        } catch (CharacterCodingException e) {
            return failed("cannot read: not UTF-8 text");
        } catch (FileSystemException e) {
            return failed("cannot read: " + (e.getReason() != null ? e.getReason() : e.getMessage()));
        } catch (IOException e) {
            return failed("cannot read: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            // Properties.load on a malformed \\uXXXX escape
            return failed("cannot read: " + e.getMessage());
        }
    }

    /** "no such file", and why when a parent is a file (ENOTDIR) or the path is relative. */
    private static String missing(Path path) {
        for (Path p = path.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    return "no such file: " + p + " is not a directory";
                }
                break;
            }
        }
        return path.isAbsolute() ? "no such file"
                : "no such file (relative to the working directory " + Path.of("").toAbsolutePath() + ")";
    }

    private static PropertiesFile failed(String error) {
        return new PropertiesFile(List.of(), Optional.of(error));
    }
}
