package dev.jreclaim.agent.config;

import java.util.Locale;

/** Which allocations a rule covers ({@code jreclaim.rule.<id>.kind}). */
public enum AllocationKind {
    /** {@code ByteBuffer.allocateDirect}. */
    DIRECT,
    /** FFM {@code Arena.allocate*} (every {@code SegmentAllocator} method an arena inherits). */
    ARENA,
    /** Both. Only as a rule's kind; an allocation is always DIRECT or ARENA. */
    ANY;

    static final String ALLOWED = "use direct, arena or any";

    public static AllocationKind parse(String text) throws InvalidValueException {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "direct" -> DIRECT;
            case "arena" -> ARENA;
            case "any" -> ANY;
            default -> throw new InvalidValueException("not a kind; " + ALLOWED);
        };
    }

    /** Whether a rule of this kind covers an allocation of kind {@code allocation}. */
    public boolean covers(AllocationKind allocation) {
        return this == ANY || this == allocation;
    }

    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }
}
