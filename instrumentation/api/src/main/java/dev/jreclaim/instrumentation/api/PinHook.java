package dev.jreclaim.instrumentation.api;

/**
 * Where the native-access guards (module instrumentation/native-io, advice inlined into {@code sun.nio.ch.IOUtil},
 * {@code java.util.zip}, {@code ScopedMemoryAccess}) find the agent. They pass addresses as longs: this class is
 * on the boot class path, in the boot loader's unnamed module, and sees no JDK-internal type.
 *
 * <p>Cost for memory that is not the agent's: an address-range test against the span the agent's ranges have
 * ever covered ({@link #cover}), two volatile reads; only inside it the agent is asked (a floor lookup).
 */
public final class PinHook {
    private static volatile MemoryPins pins = MemoryPins.NONE;
    /** [low, high): every address the agent handed out lies in it (it only grows). Empty until the first range. */
    private static volatile long low = Long.MAX_VALUE;
    private static volatile long high = Long.MIN_VALUE;

    private PinHook() {}

    public static void install(MemoryPins p) {
        if (p == null) {
            throw new IllegalArgumentException("pins must not be null (use MemoryPins.NONE)");
        }
        pins = p;
    }

    /** Widens the precheck's span to {@code [start, end)}: called before the agent hands that memory out. */
    public static synchronized void cover(long start, long end) {
        if (start < low) {
            low = start;
        }
        if (end > high) {
            high = end;
        }
    }

    /** Whether a span may be the agent's (false: certainly not). */
    public static boolean mayCover(long address, long length) {
        return length > 0 && address < high && address + length > low;
    }

    /**
     * Before native code or an intrinsic stub reads or writes {@code [address, address+length)}; {@code held} is
     * what earlier pins of the same call returned (an inflate pins its input and its output), released here if
     * this one throws.
     *
     * @return the tokens so far, for {@link #unpin}, or null when none of the spans is the agent's
     * @throws PurgedMemoryError the span is an {@code on-purge=throw} buffer that lost pages
     */
    public static Object pin(long address, long length, Object held) {
        if (!mayCover(address, length)) {
            return held;
        }
        Object t;
        try {
            t = pins.pin(address, length);
        } catch (PurgedMemoryError e) {
            unpin(held);
            throw e;
        }
        return t == null ? held : held == null ? t : Several.of(held, t);
    }

    /**
     * Before a system call reads or writes {@code [address, address+length)}, as {@link #pin(long, long, Object)}
     * (a vectored read or write pins each buffer).
     *
     * @throws PurgedBufferException the span is an {@code on-purge=throw} buffer that lost pages
     */
    public static Object pinIo(long address, long length, Object held) throws PurgedBufferException {
        try {
            return pin(address, length, held);
        } catch (PurgedMemoryError e) {
            throw new PurgedBufferException(e.getMessage(), e);
        }
    }

    /** Ends the pins of {@code token} (null: nothing). */
    public static void unpin(Object token) {
        if (token instanceof Several s) {
            for (int i = 0; i < s.n; i++) {
                pins.unpin(s.tokens[i]);
            }
        } else if (token != null) {
            pins.unpin(token);
        }
    }

    /** The pins of one vectored call. */
    private static final class Several {
        private Object[] tokens = new Object[4];
        private int n;

        static Several of(Object held, Object t) {
            Several s = held instanceof Several already ? already : new Several().add(held);
            return s.add(t);
        }

        private Several add(Object t) {
            if (n == tokens.length) {
                tokens = java.util.Arrays.copyOf(tokens, n * 2);
            }
            tokens[n++] = t;
            return this;
        }
    }
}
