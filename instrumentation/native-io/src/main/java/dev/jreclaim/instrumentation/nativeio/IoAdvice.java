package dev.jreclaim.instrumentation.nativeio;

import dev.jreclaim.instrumentation.api.PinHook;
import java.io.IOException;
import java.nio.ByteBuffer;
import net.bytebuddy.asm.Advice;
import sun.nio.ch.DirectBuffer;

/**
 * Advice around the JDK methods that hand a direct buffer's {@code address + position .. limit} to a system call.
 * Inlined into {@code java.base} (and {@code jdk.sctp}), where {@link DirectBuffer} is visible; the pin helper gets
 * longs only. Enter advice runs before the method's own {@code acquireScope}: the pin also holds off the agent's
 * unmap (docs/fault-path.md, "Pinning around native access"). Exit advice runs on return and on exception.
 */
final class IoAdvice {
    private IoAdvice() {}

    // Every body is inlined into the JDK method: it may call only public members of public classes
    // (PinHook), never a helper of this class.

    /** The buffer is argument 1, its span position..limit: IOUtil's single-buffer read/write, datagram and SCTP send. */
    static final class BufferAt1 {
        private BufferAt1() {}

        @Advice.OnMethodEnter
        static Object enter(@Advice.Argument(1) ByteBuffer bb) throws IOException {
            if (bb instanceof DirectBuffer d) {
                int pos = bb.position();
                return PinHook.pinIo(d.address() + pos, Math.max(bb.limit() - pos, 0), null);
            }
            return null;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object pins) {
            PinHook.unpin(pins);
        }
    }

    /** {@code DatagramChannelImpl.receiveIntoNativeBuffer(ByteBuffer bb, int rem, int pos, boolean)}. */
    static final class ReceiveAt0 {
        private ReceiveAt0() {}

        @Advice.OnMethodEnter
        static Object enter(@Advice.Argument(0) ByteBuffer bb, @Advice.Argument(1) int rem, @Advice.Argument(2) int pos)
                throws IOException {
            return bb instanceof DirectBuffer d ? PinHook.pinIo(d.address() + pos, rem, null) : null;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object pins) {
            PinHook.unpin(pins);
        }
    }

    /** SCTP's {@code receiveIntoNativeBuffer(int fd, ResultContainer, ByteBuffer bb, int rem, int pos, ...)}. */
    static final class ReceiveAt2 {
        private ReceiveAt2() {}

        @Advice.OnMethodEnter
        static Object enter(@Advice.Argument(2) ByteBuffer bb, @Advice.Argument(3) int rem, @Advice.Argument(4) int pos)
                throws IOException {
            return bb instanceof DirectBuffer d ? PinHook.pinIo(d.address() + pos, rem, null) : null;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object pins) {
            PinHook.unpin(pins);
        }
    }

    /**
     * IOUtil's vectored {@code read/write(FileDescriptor, ByteBuffer[] bufs, int offset, int length, ...)}: every
     * direct buffer of {@code bufs[offset, offset+length)}, a superset of what the JDK puts in its iovec array.
     */
    static final class Vector {
        private Vector() {}

        @Advice.OnMethodEnter
        static Object enter(@Advice.Argument(1) ByteBuffer[] bufs, @Advice.Argument(2) int offset,
                @Advice.Argument(3) int length) throws IOException {
            Object pins = null;
            if (bufs != null) {
                int end = Math.min(offset + length, bufs.length);
                for (int i = Math.max(offset, 0); i < end; i++) {
                    ByteBuffer b = bufs[i];
                    if (b instanceof DirectBuffer d) {
                        int pos = b.position();
                        pins = PinHook.pinIo(d.address() + pos, Math.max(b.limit() - pos, 0), pins);
                    }
                }
            }
            return pins;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object pins) {
            PinHook.unpin(pins);
        }
    }

    /** {@code UnixUserDefinedFileAttributeView}'s private {@code read/write(String, long address, int rem)}. */
    static final class Address {
        private Address() {}

        @Advice.OnMethodEnter
        static Object enter(@Advice.Argument(1) long address, @Advice.Argument(2) int rem) throws IOException {
            return PinHook.pinIo(address, rem, null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object pins) {
            PinHook.unpin(pins);
        }
    }
}
