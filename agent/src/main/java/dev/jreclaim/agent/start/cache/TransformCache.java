package dev.jreclaim.agent.start.cache;

import dev.jreclaim.agent.log.AgentLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The transformed bytes of classes, kept across starts (docs/agent.md, "The transform cache"): a transformation is a pure
 * function of the class's original bytes, the agent's build and what the rules make of the class, so a later start
 * that meets the same class returns the stored bytes without loading Byte Buddy or the class-file API.
 *
 * <p>An entry holds everything its result depends on, compared exactly on every lookup (never a hash alone): the
 * agent build's fingerprint, the transformation's kind and shape (a string the caller derives from its inputs), the
 * class name and its original bytes; then the result (null: the class is left as it is) and the caller's facts
 * ({@code facts}: what the transformation learnt, replayed on a hit), sealed by a CRC-32C of all of it against a
 * torn or damaged file. Anything unexpected (a malformed entry, a
 * mismatch, an untrusted file) is a miss; the caller then transforms as without a cache and stores its result.
 */
public final class TransformCache {
    private static final int MAGIC = 0x4A52_4331; // "JRC1"

    private final CacheDirectory dir;
    private final String build;
    private volatile int hits;
    private volatile int stores;

    public TransformCache(CacheDirectory dir, String build) {
        this.dir = dir;
        this.build = build;
    }

    /**
     * The cache this start uses, or null (then everything is transformed as without one): {@code dir}, else
     * {@link CacheDirectory#defaultPath}, checked ({@link CacheDirectory#open}); the build's fingerprint from the
     * agent jar. Why there is none is an INFO line when the directory is not to be trusted, a DEBUG line otherwise
     * (it cannot be created: a read-only file system; the agent does not run from a jar), so that the start-up line
     * stays the agent's only line.
     */
    public static TransformCache open(java.nio.file.Path dir, int euid) {
        String build;
        try {
            build = AgentBuild.fingerprint();
        } catch (IOException | RuntimeException e) {
            AgentLog.debug("no transform cache: " + e.getMessage());
            return null;
        }
        return open(dir, euid, build);
    }

    /** {@link #open(java.nio.file.Path, int)} for a build whose fingerprint is known. */
    static TransformCache open(java.nio.file.Path dir, int euid, String build) {
        java.nio.file.Path path = dir != null ? dir : CacheDirectory.defaultPath(euid);
        try {
            return new TransformCache(CacheDirectory.open(path, euid), build);
        } catch (CacheDirectory.UntrustedException e) {
            AgentLog.info("no transform cache in " + path + ": " + e.getMessage() + "; classes are transformed at"
                    + " every start (jreclaim.cache.dir names another directory)");
            return null;
        } catch (IOException | RuntimeException e) {
            AgentLog.debug("no transform cache in " + path + ": " + e);
            return null;
        }
    }

    /** What a lookup found. */
    public record Entry(byte[] transformed, List<String> facts) {}

    /**
     * The stored result for these inputs, or null on a miss.
     *
     * @param kind  which transformation ("site", "jdk")
     * @param shape everything besides the class bytes and the build the result depends on
     */
    public Entry find(String kind, String shape, String className, byte[] original) {
        String name = fileName(kind, shape, className, original);
        byte[] file;
        try {
            file = dir.read(name);
        } catch (CacheDirectory.UntrustedException e) {
            AgentLog.info("transform cache: entry of " + className + " not used: " + e.getMessage());
            return null;
        } catch (IOException | RuntimeException e) {
            AgentLog.debug("transform cache: entry of " + className + " not readable: " + e);
            return null;
        }
        if (file == null) {
            return null;
        }
        if (file.length < 4 || crc(file, file.length - 4) != java.nio.ByteBuffer.wrap(file, file.length - 4, 4).getInt()) {
            AgentLog.debug("transform cache: entry of " + className + " fails its checksum; transforming");
            return null;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(file, 0, file.length - 4))) {
            if (in.readInt() != MAGIC || !in.readUTF().equals(build) || !in.readUTF().equals(kind)
                    || !in.readUTF().equals(shape) || !in.readUTF().equals(className)
                    || !Arrays.equals(readBytes(in), original)) {
                AgentLog.debug("transform cache: entry of " + className + " is for other inputs; transforming");
                return null;
            }
            int n = in.readInt();
            byte[] transformed = n < 0 ? null : in.readNBytes(n);
            if (transformed != null && transformed.length != n) {
                throw new IOException("truncated");
            }
            int count = in.readInt();
            if (count < 0 || count > 1 << 16) {
                throw new IOException("bad count " + count);
            }
            List<String> facts = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                facts.add(in.readUTF());
            }
            if (in.read() != -1) {
                throw new IOException("trailing bytes");
            }
            hits++;
            return new Entry(transformed, List.copyOf(facts));
        } catch (IOException | RuntimeException e) {
            AgentLog.debug("transform cache: entry of " + className + " is malformed (" + e + "); transforming");
            return null;
        }
    }

    /** Stores a result; a failure only costs the next start a transformation. */
    public void store(String kind, String shape, String className, byte[] original, byte[] transformed,
            List<String> facts) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(original.length * 2 + 256);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(MAGIC);
                out.writeUTF(build);
                out.writeUTF(kind);
                out.writeUTF(shape);
                out.writeUTF(className);
                out.writeInt(original.length);
                out.write(original);
                out.writeInt(transformed == null ? -1 : transformed.length);
                if (transformed != null) {
                    out.write(transformed);
                }
                out.writeInt(facts.size());
                for (String f : facts) {
                    out.writeUTF(f);
                }
            }
            byte[] entry = bytes.toByteArray();
            byte[] sealed = java.util.Arrays.copyOf(entry, entry.length + 4);
            java.nio.ByteBuffer.wrap(sealed, entry.length, 4).putInt(crc(entry, entry.length));
            dir.write(fileName(kind, shape, className, original), sealed);
            stores++;
        } catch (IOException | RuntimeException e) {
            AgentLog.debug("transform cache: cannot store the entry of " + className + ": " + e);
        }
    }

    /** Lookups answered and results stored since start, for the debug line. */
    public String describe() {
        return dir.path() + ": " + hits + " hits, " + stores + " stored";
    }

    /** CRC-32C of the first {@code length} bytes: the entry's last 4 bytes, against a torn or damaged file. */
    private static int crc(byte[] b, int length) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, length);
        return (int) crc.getValue();
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("bad length " + n);
        }
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("truncated");
        }
        return b;
    }

    /**
     * An index, not a check (the entry is compared in full): the kind, then a hash of every input. With the build in
     * it, two agent builds used on one machine (two services) keep an entry each instead of overwriting each other's;
     * a superseded build's entries stay until the directory is cleaned (java.io.tmpdir's, by the system).
     */
    private String fileName(String kind, String shape, String className, byte[] original) {
        CRC32C crc = new CRC32C();
        crc.update(original);
        long h = (long) (build + '\n' + shape + '\n' + className).hashCode() << 32 | crc.getValue();
        return kind + "-" + Long.toHexString(h) + ".class-cache";
    }
}
