package dev.jreclaim.testapp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;

/**
 * The site methods of the rules in AgentRulesIT: each allocates through the JDK's own API (directly or in a
 * callee, which is inside the site's dynamic extent too) and fills what it allocated.
 */
public final class Sites {
    /** Above every rule's 64 KiB min-size, and not a whole number of pages. */
    public static final int SIZE = 256 * 1024 + 123;

    private Sites() {}

    /** Compressible (one value per 64-byte line) yet different on every page; {@code stamp} changes every byte. */
    public static byte value(long i, int stamp) {
        return (byte) ((i / 4096) * 31 + (i % 4096) / 64 + stamp);
    }

    static ByteBuffer filledBuffer(int size) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            b.put(i, value(i, 0));
        }
        return b;
    }

    static MemorySegment filledSegment(Arena arena, long size) {
        MemorySegment s = arena.allocate(size);
        for (long i = 0; i < size; i++) {
            s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, value(i, 0));
        }
        return s;
    }

    /** Rule 'direct' (on-return): recursion, so only the outermost return marks; the allocation is in a callee. */
    public static ByteBuffer directSite(int depth, Consumer<ByteBuffer> afterInnerReturn) {
        if (depth > 1) {
            ByteBuffer b = directSite(depth - 1, afterInnerReturn);
            afterInnerReturn.accept(b);
            return b;
        }
        return filledBuffer(SIZE);
    }

    /** Also rule 'direct' (site directSite*): below its min-size. */
    public static ByteBuffer directSiteSmall() {
        return filledBuffer(4096);
    }

    /** Also rule 'direct': an arena segment, a kind the rule does not cover. */
    public static MemorySegment directSiteSegment(Arena arena) {
        return filledSegment(arena, SIZE);
    }

    /** Rule 'arena'. */
    public static MemorySegment arenaSite(Arena arena) {
        return filledSegment(arena, SIZE);
    }

    /** Rule 'arena': a direct buffer, a kind it does not cover. */
    public static ByteBuffer arenaSiteBuffer() {
        return filledBuffer(SIZE);
    }

    /** Rule 'both' (kind any). */
    public static void bothSite(Arena arena, List<Object> out) {
        out.add(filledBuffer(SIZE));
        out.add(filledSegment(arena, SIZE));
    }

    /** Rule 'throws' (on-return): an exception leaves the site after the allocation. */
    public static void throwingSite(List<Object> out) {
        out.add(filledBuffer(SIZE));
        throw new IllegalStateException("the site method fails");
    }

    /** Rule 'explicit'. */
    public static ByteBuffer explicitSite() {
        return filledBuffer(SIZE);
    }

    /** Rule 'zero' (on-purge zero). */
    public static ByteBuffer zeroSite() {
        return filledBuffer(SIZE);
    }

    /** Rule 'poison' (on-purge throw). */
    public static ByteBuffer poisonSite() {
        return filledBuffer(SIZE);
    }

    /** Rule 'later' (on-purge rebuild:app,zero: resolves to ZERO). */
    public static ByteBuffer laterSite() {
        return filledBuffer(SIZE);
    }

    /** Rule 'plain' (on-purge rebuild:app only: plain JDK memory). */
    public static ByteBuffer plainSite() {
        return filledBuffer(SIZE);
    }

    /** Rule 'outer' (direct, >= 1 MiB, snapshot) around rule 'inner' (direct, >= 64 KiB, zero). */
    public static void outerSite(List<Object> out, Runnable afterInnerReturn) {
        innerSite(out);
        afterInnerReturn.run();
    }

    /** Rule 'inner': the big buffer matches 'outer' first (rule order), the small one only 'inner'. */
    public static void innerSite(List<Object> out) {
        out.add(filledBuffer(2 << 20));
        out.add(filledBuffer(128 * 1024));
    }

    /** Rule 'idle' (idle:1s). */
    public static ByteBuffer idleSite() {
        return filledBuffer(SIZE);
    }
}
