package dev.jreclaim.instrumentation.nativeio;

import dev.jreclaim.instrumentation.api.PinHook;
import java.nio.ByteBuffer;
import net.bytebuddy.asm.Advice;
import sun.nio.ch.DirectBuffer;

/**
 * Advice around the JDK methods whose native code or intrinsic stub reads or writes a direct buffer (zlib,
 * CRC32/CRC32C/Adler32 stubs, {@code vectorizedMismatch}). A Java pre-touch would not do for POISON: compiled
 * code delivers the SIGBUS's error one statement late, after the stub ran (docs/fault-path.md, "Pinning around
 * native access"), so the library checks the span and the pin throws {@code PurgedMemoryError} before the call.
 */
final class NativeAdvice {
    private NativeAdvice() {}

    // Every body is inlined into the JDK method: it may call only public members of public classes
    // (PinHook), never a helper of this class.

    /** Argument 0 is the buffer: {@code CRC32/CRC32C/Adler32.update(ByteBuffer)}, {@code setDictionary(ByteBuffer)}. */
    static final class BufferAt0 {
        private BufferAt0() {}

        @Advice.OnMethodEnter
        static Object enter(@Advice.Argument(0) ByteBuffer bb) {
            if (bb instanceof DirectBuffer d) {
                int pos = bb.position();
                return PinHook.pin(d.address() + pos, Math.max(bb.limit() - pos, 0), null);
            }
            return null;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object pins) {
            PinHook.unpin(pins);
        }
    }

    /** The {@code input} field set by {@code setInput(ByteBuffer)}: {@code deflate(byte[],int,int,int)}, {@code inflate(byte[],int,int)}. */
    static final class Input {
        private Input() {}

        @Advice.OnMethodEnter
        static Object enter(@Advice.FieldValue("input") ByteBuffer input) {
            if (input instanceof DirectBuffer d) {
                int pos = input.position();
                return PinHook.pin(d.address() + pos, Math.max(input.limit() - pos, 0), null);
            }
            return null;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object pins) {
            PinHook.unpin(pins);
        }
    }

    /** The {@code input} field and the output buffer (argument 0): {@code deflate(ByteBuffer,int)}, {@code inflate(ByteBuffer)}. */
    static final class InputAndOutput {
        private InputAndOutput() {}

        @Advice.OnMethodEnter
        static Object enter(@Advice.FieldValue("input") ByteBuffer input, @Advice.Argument(0) ByteBuffer output) {
            Object pins = null;
            if (input instanceof DirectBuffer d) {
                int pos = input.position();
                pins = PinHook.pin(d.address() + pos, Math.max(input.limit() - pos, 0), null);
            }
            if (output instanceof DirectBuffer d) {
                int pos = output.position();
                pins = PinHook.pin(d.address() + pos, Math.max(output.limit() - pos, 0), pins);
            }
            return pins;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object pins) {
            PinHook.unpin(pins);
        }
    }

    /**
     * {@code ScopedMemoryAccess.vectorizedMismatch(session, session, Object a, long aOffset, Object b, long bOffset,
     * int length, int log2ArrayIndexScale)}: a side whose base is null is a native address. Hot: heap sides cost a
     * null test, native ones the precheck of {@link PinHook}.
     */
    static final class Mismatch {
        private Mismatch() {}

        @Advice.OnMethodEnter
        static Object enter(@Advice.Argument(2) Object a, @Advice.Argument(3) long aOffset,
                @Advice.Argument(4) Object b, @Advice.Argument(5) long bOffset, @Advice.Argument(6) int length,
                @Advice.Argument(7) int log2) {
            Object pins = null;
            long bytes = (long) length << log2;
            if (a == null) {
                pins = PinHook.pin(aOffset, bytes, null);
            }
            if (b == null) {
                pins = PinHook.pin(bOffset, bytes, pins);
            }
            return pins;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object pins) {
            PinHook.unpin(pins);
        }
    }
}
