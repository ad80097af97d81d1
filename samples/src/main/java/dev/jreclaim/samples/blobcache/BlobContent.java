package dev.jreclaim.samples.blobcache;

import java.util.zip.CRC32;

/**
 * The bytes of blob {@code id}: what a decompressed asset or a rendered page looks like to a cache
 * (text-like, repetitive, different for every blob), computed the same way by the server and by
 * the load driver, so every response can be checked end to end.
 */
public final class BlobContent {
    private static final byte[] WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
            + "tempor incididunt ut labore et dolore magna aliqua ").getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private BlobContent() {}

    /** Byte {@code i} of blob {@code id}. */
    public static byte byteAt(long id, long i) {
        long line = i / 96;
        long col = i % 96;
        if (col < 16) { // a line header naming blob and line: no two blobs or lines are alike
            long v = col < 8 ? id : line;
            return (byte) ('a' + ((v >>> (4 * (col % 8))) & 0xF));
        }
        return WORDS[(int) ((col + id * 7 + line) % WORDS.length)];
    }

    public static void fill(byte[] dst, long id, long offset) {
        for (int i = 0; i < dst.length; i++) {
            dst[i] = byteAt(id, offset + i);
        }
    }

    public static long crc32(long id, long size) {
        CRC32 crc = new CRC32();
        byte[] chunk = new byte[64 << 10];
        for (long off = 0; off < size; off += chunk.length) {
            int n = (int) Math.min(chunk.length, size - off);
            if (n < chunk.length) {
                chunk = new byte[n];
            }
            fill(chunk, id, off);
            crc.update(chunk, 0, n);
        }
        return crc.getValue();
    }
}
