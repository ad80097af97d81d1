package dev.jreclaim.agent.config;

import dev.jreclaim.instrumentation.api.AllocationKind;
import java.util.Locale;

/**
 * Which allocations a rule covers ({@code jreclaim.rule.<id>.kind}): a filter over the one
 * {@link AllocationKind} an allocation has.
 */
public enum RuleKind {
    /** {@code ByteBuffer.allocateDirect}. */
    DIRECT,
    /** FFM {@code Arena.allocate*} (every {@code SegmentAllocator} method an arena inherits). */
    ARENA,
    /** Both. */
    ANY;

    static final String ALLOWED = "use direct, arena or any";

    public static RuleKind parse(String text) throws InvalidValueException {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "direct" -> DIRECT;
            case "arena" -> ARENA;
            case "any" -> ANY;
            default -> throw new InvalidValueException("not a kind; " + ALLOWED);
        };
    }

    /** Whether a rule of this kind covers an allocation of kind {@code allocation}. */
    public boolean covers(AllocationKind allocation) {
        return switch (this) {
            case ANY -> true;
            case DIRECT -> allocation == AllocationKind.DIRECT;
            case ARENA -> allocation == AllocationKind.ARENA;
        };
    }

    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }
}
