package dev.jreclaim.testapp;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.jreclaim.agent.range.LockResult;
import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.agent.runtime.ReclaimRuntime;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;

/**
 * A child program (AgentRulesIT), run with the agent and a rules file: calls the site
 * methods of {@link Sites} and prints, per allocation, whose memory it is and its state, and what a
 * deterministic purge ({@code range.purge()}) leaves of it, read back through the JDK's own API.
 * Argument: {@code rules} or {@code idle}.
 */
public final class RuleScenarios {
    private static ReclaimRuntime runtime;

    private RuleScenarios() {}

    public static void main(String[] args) throws Exception {
        runtime = ReclaimRuntime.current();
        switch (args[0]) {
            case "rules" -> rules();
            case "idle" -> idle();
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static VolatileRange range(Object o) {
        long address = o instanceof ByteBuffer b ? MemorySegment.ofBuffer(b).address() : ((MemorySegment) o).address();
        return runtime == null ? null : runtime.rangeAt(address);
    }

    /** "plain", or the range's source and state: "SNAPSHOT VOLATILE", once the background marker is done. */
    static String owner(Object o) {
        awaitMarks();
        VolatileRange r = range(o);
        return r == null ? "plain" : r.source() + " " + r.state();
    }

    /** On-return marks run on the agent's marker thread: a state read right after a return waits for them. */
    static void awaitMarks() {
        if (runtime != null) {
            try {
                runtime.policy().awaitPendingMarks();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static void print(String what, Object o) {
        System.out.println(what + ": " + owner(o));
    }

    /** Purges the range, then counts bytes that differ from {@code expected} through the JDK's API. */
    static long wrongAfterPurge(Object o, LongFunction<Byte> expected) {
        awaitMarks();
        range(o).purge();
        long wrong = 0;
        if (o instanceof ByteBuffer b) {
            for (int i = 0; i < b.capacity(); i++) {
                wrong += b.get(i) == expected.apply(i) ? 0 : 1;
            }
        } else {
            MemorySegment s = (MemorySegment) o;
            for (long i = 0; i < s.byteSize(); i++) {
                wrong += s.get(JAVA_BYTE, i) == expected.apply(i) ? 0 : 1;
            }
        }
        return wrong;
    }

    static void rules() {
        ByteBuffer direct = Sites.directSite(2, b -> print("direct, after the inner call returned", b));
        print("direct, after the outermost call returned", direct);
        System.out.println("direct, snapshot purged and read back: wrong bytes "
                + wrongAfterPurge(direct, i -> Sites.value(i, 0)) + ", pages rebuilt "
                + (range(direct).stats().pagesRestored() > 0));
        print("direct, allocated outside its site", Sites.filledBuffer(Sites.SIZE));
        print("direct, below min-size", Sites.directSiteSmall());
        try (Arena arena = Arena.ofShared()) {
            print("direct, a segment in its site", Sites.directSiteSegment(arena));

            MemorySegment segment = Sites.arenaSite(arena);
            print("arena, after return", segment);
            System.out.println("arena, snapshot purged and read back: wrong bytes "
                    + wrongAfterPurge(segment, i -> Sites.value(i, 0)));
            print("arena, a direct buffer in its site", Sites.arenaSiteBuffer());

            List<Object> both = new ArrayList<>();
            Sites.bothSite(arena, both);
            print("any, direct buffer", both.get(0));
            print("any, segment", both.get(1));
        }

        List<Object> thrown = new ArrayList<>();
        try {
            Sites.throwingSite(thrown);
        } catch (IllegalStateException expected) {
            print("on-return, the site method threw", thrown.getFirst());
        }
        print("explicit, after return", Sites.explicitSite());

        ByteBuffer zero = Sites.zeroSite();
        print("zero, after return", zero);
        System.out.println("zero, purged and read back: non-zero bytes " + wrongAfterPurge(zero, i -> (byte) 0));

        ByteBuffer poison = Sites.poisonSite();
        print("throw, after return", poison);
        range(poison).purge();
        try {
            System.out.println("throw, purged and read back: " + poison.get(4096));
        } catch (InternalError e) {
            System.out.println("throw, purged and read back: InternalError");
        }
        LockResult lock = range(poison).lock();
        System.out.println("throw, lock(): " + lock + ", then reads " + poison.get(4096));

        print("on-purge rebuild:file,rebuild:app,zero", Sites.laterSite());
        print("on-purge rebuild:app", Sites.plainSite());

        List<Object> nested = new ArrayList<>();
        Sites.outerSite(nested, () -> {
            print("nested, 2 MiB (rule outer) after the inner site returned", nested.get(0));
            print("nested, 128 KiB (rule inner) after the inner site returned", nested.get(1));
        });
        print("nested, 2 MiB (rule outer) after the outer site returned", nested.get(0));
    }

    static boolean waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    static void fill(ByteBuffer b, int stamp) {
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, Sites.value(i, stamp));
        }
    }

    static void idle() throws InterruptedException {
        ByteBuffer b = Sites.idleSite();
        VolatileRange r = range(b);
        Thread.sleep(300);
        fill(b, 1); // during the idle wait (or, on a slow machine, after the mark: kept either way)
        System.out.println("idle, marked once writes stopped: "
                + waitFor(() -> r.state() == dev.jreclaim.agent.range.RangeState.VOLATILE));
        System.out.println("idle, purged: the write made during the wait is kept: wrong bytes "
                + wrongAfterPurge(b, i -> Sites.value(i, 1)));
        long marks = r.stats().marks();
        fill(b, 2); // to purged pages: they come back resident
        System.out.println("idle, marked again once writes to purged pages stopped: "
                + waitFor(() -> r.stats().marks() > marks));
        System.out.println("idle, purged again: wrong bytes " + wrongAfterPurge(b, i -> Sites.value(i, 2)));
    }
}
