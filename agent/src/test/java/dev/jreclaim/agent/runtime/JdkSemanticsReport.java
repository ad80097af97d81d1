package dev.jreclaim.agent.runtime;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A child program (AgentSemanticsIT) that exercises direct buffers and arena segments and prints a
 * report that must be the same with and without the agent. Lines starting with "owner " say whether
 * an allocation's memory is the agent's; they are the only lines allowed to differ.
 * Run with -XX:MaxDirectMemorySize=32m.
 */
public final class JdkSemanticsReport {
    static final int[] BUFFER_SIZES = {0, 1, 100, 4096, 65535, 65536, 100_000, 1 << 20, (1 << 20) + 3};
    static final long[] SEGMENT_SIZES = {8, 4096, 65536, (1 << 20) + 8};
    static final BufferPoolMXBean DIRECT = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();

    private JdkSemanticsReport() {}

    public static void main(String[] args) throws Exception {
        directBuffers();
        cleanerFreesUnreachableBuffer();
        maxDirectMemory();
        // auto last: once unreachable, its segments leave the pool whenever the GC runs
        for (String kind : List.of("confined", "shared", "global", "auto")) {
            arena(kind);
        }
        System.out.println("end");
    }

    static sun.misc.Unsafe unsafe() throws ReflectiveOperationException {
        Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        return (sun.misc.Unsafe) f.get(null);
    }

    static String pool(long[] base) {
        return "pool +" + (DIRECT.getCount() - base[0]) + " buffers, +" + (DIRECT.getTotalCapacity() - base[1])
                + " capacity, +" + (DIRECT.getMemoryUsed() - base[2]) + " used";
    }

    static long[] poolNow() {
        return new long[] {DIRECT.getCount(), DIRECT.getTotalCapacity(), DIRECT.getMemoryUsed()};
    }

    static void owner(String label, long requested, long address) {
        boolean owned;
        try {
            Class<?> c = Class.forName("dev.jreclaim.agent.runtime.ReclaimRuntime");
            Object runtime = c.getMethod("current").invoke(null);
            owned = runtime != null && c.getMethod("rangeAt", long.class).invoke(runtime, address) != null;
        } catch (ClassNotFoundException noAgent) {
            owned = false;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        System.out.println("owner " + label + " " + requested + " " + owned);
    }

    static byte pattern(long i) {
        return (byte) (i * 31 + 7);
    }

    static void directBuffers() throws Exception {
        long[] base = poolNow();
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int size : BUFFER_SIZES) {
            ByteBuffer b = ByteBuffer.allocateDirect(size);
            buffers.add(b);
            owner("direct-" + size, size, MemorySegment.ofBuffer(b).address());
            boolean zero = true;
            for (int i = 0; i < size; i++) {
                zero &= b.get(i) == 0;
            }
            for (int i = 0; i < size; i++) {
                b.put(i, pattern(i));
            }
            StringBuilder s = new StringBuilder("direct " + size + ": capacity " + b.capacity() + ", direct "
                    + b.isDirect() + ", " + b.order() + ", position " + b.position() + ", limit " + b.limit()
                    + ", zeroed " + zero);
            if (size > 1) {
                ByteBuffer slice = b.slice(1, size - 1);
                boolean same = true;
                for (int i = 0; i < size - 1; i++) {
                    same &= slice.get(i) == b.get(i + 1);
                }
                ByteBuffer dup = b.duplicate();
                dup.put(size - 1, (byte) 99);
                ByteBuffer ro = b.asReadOnlyBuffer();
                s.append(", slice sees it ").append(same).append(", duplicate writes through ")
                        .append(b.get(size - 1) == 99).append(", read-only ").append(ro.isReadOnly())
                        .append(" reads ").append(ro.get(size - 1));
            }
            if (size >= 8) {
                LongBuffer longs = b.asLongBuffer();
                long le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(0);
                s.append(", long view ").append(longs.capacity()).append(" ").append(Long.toHexString(longs.get(0)))
                        .append(", little-endian ").append(Long.toHexString(le))
                        .append(", long view writes through ");
                longs.put(0, 0x0102030405060708L);
                s.append(b.get(0) == 1 && b.get(7) == 8);
            }
            System.out.println(s);
        }
        System.out.println("direct after allocating: " + pool(base));
        ByteBuffer slice = buffers.getLast().slice();
        try {
            unsafe().invokeCleaner(slice);
            System.out.println("invokeCleaner on a slice: no exception");
        } catch (IllegalArgumentException e) {
            System.out.println("invokeCleaner on a slice: " + e.getMessage());
        }
        for (ByteBuffer b : buffers) {
            unsafe().invokeCleaner(b);
        }
        System.out.println("direct after invokeCleaner on each: " + pool(base));
    }

    static void cleanerFreesUnreachableBuffer() throws InterruptedException {
        long[] base = poolNow();
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
        owner("direct-unreachable", 1 << 20, MemorySegment.ofBuffer(b).address());
        b.put(0, (byte) 1);
        System.out.println("unreachable buffer allocated: " + pool(base));
        b = null;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (DIRECT.getCount() != base[0] && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        System.out.println("after GC, the JDK's cleaner freed it: " + pool(base));
    }

    static void maxDirectMemory() throws Exception {
        List<ByteBuffer> held = new ArrayList<>();
        try {
            while (held.size() < 100) {
                held.add(ByteBuffer.allocateDirect(4 << 20));
            }
            System.out.println("MaxDirectMemorySize not enforced: 100 buffers of 4 MiB");
        } catch (OutOfMemoryError e) {
            System.out.println("MaxDirectMemorySize after " + held.size() + " buffers of 4 MiB: " + e);
        }
        for (ByteBuffer b : held) {
            unsafe().invokeCleaner(b);
        }
    }

    static Arena open(String kind) {
        return switch (kind) {
            case "confined" -> Arena.ofConfined();
            case "shared" -> Arena.ofShared();
            case "auto" -> Arena.ofAuto();
            case "global" -> Arena.global();
            default -> throw new IllegalArgumentException(kind);
        };
    }

    static void arena(String kind) {
        long[] base = poolNow();
        Arena arena = open(kind);
        List<MemorySegment> segments = new ArrayList<>();
        for (long size : SEGMENT_SIZES) {
            MemorySegment s = arena.allocate(size, 8);
            segments.add(s);
            owner(kind + "-" + size, size, s.address());
            boolean zero = true;
            for (long i = 0; i < size; i++) {
                zero &= s.get(JAVA_BYTE, i) == 0;
            }
            for (long i = 0; i < size; i++) {
                s.set(JAVA_BYTE, i, pattern(i));
            }
            ByteBuffer view = s.asByteBuffer();
            boolean same = view.isDirect() && view.capacity() == size;
            for (int i = 0; i < size; i++) {
                same &= view.get(i) == pattern(i);
            }
            MemorySegment slice = s.asSlice(1);
            same &= slice.byteSize() == size - 1 && slice.get(JAVA_BYTE, 0) == pattern(1);

            MemorySegment aligned = arena.allocate(size, 16384);
            boolean alignedZero = true;
            for (long i = 0; i < size; i++) {
                alignedZero &= aligned.get(JAVA_BYTE, i) == 0;
            }
            int[] ints = new int[(int) (size / 4)];
            for (int i = 0; i < ints.length; i++) {
                ints[i] = i * 7919 + 1;
            }
            MemorySegment from = arena.allocateFrom(JAVA_INT, ints);
            segments.add(from);
            owner(kind + "-from-" + size, size, from.address());
            boolean fromSame = from.byteSize() == size;
            for (int i = 0; i < ints.length; i++) {
                fromSame &= from.getAtIndex(JAVA_INT, i) == ints[i];
            }
            System.out.println(kind + " " + size + ": byteSize " + s.byteSize() + ", 8-aligned "
                    + (s.address() % 8 == 0) + ", zeroed " + zero + ", views see it " + same + "; 16 KiB-aligned "
                    + (aligned.address() % 16384 == 0) + ", zeroed " + alignedZero + "; allocateFrom equal " + fromSame);
        }
        System.out.println(kind + " after allocating: " + pool(base));
        if (kind.equals("confined") || kind.equals("shared")) {
            arena.close();
            MemorySegment first = segments.getFirst();
            try {
                first.get(JAVA_BYTE, 0);
                System.out.println(kind + " after close: still readable");
            } catch (IllegalStateException e) {
                System.out.println(kind + " after close: " + e.getMessage() + ", alive " + first.scope().isAlive());
            }
            for (MemorySegment s : segments) {
                owner(kind + "-after-close", 0, s.address());
            }
            System.out.println(kind + " after close: " + pool(base));
        }
        java.lang.ref.Reference.reachabilityFence(arena);
    }
}
