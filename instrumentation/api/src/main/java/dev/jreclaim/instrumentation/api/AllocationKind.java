package dev.jreclaim.instrumentation.api;

/** Which JDK path an off-heap allocation comes from. */
public enum AllocationKind {
    /** {@code ByteBuffer.allocateDirect}: a {@code java.nio.DirectByteBuffer}. */
    DIRECT,
    /** {@code Arena.allocate}/{@code allocateFrom} of any arena: a native {@code MemorySegment}. */
    ARENA
}
