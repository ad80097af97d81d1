package dev.jreclaim.instrumentation.nativeio;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jreclaim.instrumentation.api.InstrumentationContext;
import dev.jreclaim.instrumentation.api.InstrumentationModule;
import dev.jreclaim.instrumentation.api.PinHook;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Pins around every JDK 25 path that hands a direct buffer's (or a segment's {@code asByteBuffer()}) address to a
 * system call or to native code, so that a purged page of the agent's memory is made resident from user mode
 * first (the kernel's own access is not served by a user-mode-only userfaultfd), kept until the call returns, and
 * an {@code on-purge=throw} buffer that lost pages gets an exception instead of EFAULT or a JVM crash. The list and
 * why each point was chosen: docs/agent.md, "What is instrumented". Only public or private methods that are not
 * {@code @Scoped} get advice; natives and intrinsics have no bytecode, so their Java callers are advised.
 */
public final class NativeIoInstrumentation implements InstrumentationModule {
    private static final String IOUTIL = "sun.nio.ch.IOUtil";
    private static final String DATAGRAM = "sun.nio.ch.DatagramChannelImpl";
    private static final String XATTR = "sun.nio.fs.UnixUserDefinedFileAttributeView";
    private static final String SCTP = "sun.nio.ch.sctp.SctpChannelImpl";
    private static final String SCTP_MULTI = "sun.nio.ch.sctp.SctpMultiChannelImpl";
    private static final String BUFFER = "java.nio.ByteBuffer";
    private static final String BUFFERS = "java.nio.ByteBuffer[]";

    @Override
    public String name() {
        return "native I/O guards";
    }

    /** Only when some range may need a pin (user-mode-only userfaultfd, or a throw rule). */
    @Override
    public boolean appliesTo(InstrumentationContext context) {
        return context.pins();
    }

    @Override
    public Target target() {
        return Target.GUARD;
    }

    /** Loaded now, so that each is retransformed at install and the installer can check it was. */
    @Override
    public List<String> preload() {
        return List.of(IOUTIL, DATAGRAM, XATTR, "java.util.zip.CRC32", "java.util.zip.CRC32C", "java.util.zip.Adler32",
                "java.util.zip.Deflater", "java.util.zip.Inflater", "jdk.internal.misc.ScopedMemoryAccess");
    }

    @Override
    public AgentBuilder instrument(AgentBuilder builder, InstrumentationContext context) {
        AgentBuilder b = builder
                .type(named(IOUTIL))
                .transform((t, type, loader, module, domain) -> t
                        .visit(advice(IoAdvice.BufferAt1.class).on(named("writeFromNativeBuffer")
                                .or(named("readIntoNativeBuffer")).and(takesArguments(7))
                                .and(takesArgument(1, named(BUFFER)))))
                        .visit(advice(IoAdvice.Vector.class).on(named("write").or(named("read"))
                                .and(takesArguments(8)).and(takesArgument(1, named(BUFFERS))))))
                .type(named(DATAGRAM))
                .transform((t, type, loader, module, domain) -> t
                        .visit(advice(IoAdvice.ReceiveAt0.class).on(named("receiveIntoNativeBuffer")
                                .and(takesArguments(4)).and(takesArgument(0, named(BUFFER)))))
                        .visit(advice(IoAdvice.BufferAt1.class).on(named("sendFromNativeBuffer")
                                .and(takesArguments(3)).and(takesArgument(1, named(BUFFER))))))
                .type(named(XATTR))
                .transform((t, type, loader, module, domain) -> t
                        .visit(advice(IoAdvice.Address.class).on(named("read").or(named("write"))
                                .and(takesArguments(3)).and(takesArgument(1, long.class)))))
                .type(named("java.util.zip.CRC32").or(named("java.util.zip.CRC32C")).or(named("java.util.zip.Adler32")))
                .transform((t, type, loader, module, domain) -> t
                        .visit(advice(NativeAdvice.BufferAt0.class).on(bufferOnly("update"))))
                .type(named("java.util.zip.Deflater").or(named("java.util.zip.Inflater")))
                .transform((t, type, loader, module, domain) -> t
                        .visit(advice(NativeAdvice.BufferAt0.class).on(bufferOnly("setDictionary")))
                        .visit(advice(NativeAdvice.Input.class).on(named("deflate").and(takesArguments(4))
                                .or(named("inflate").and(takesArguments(3))).and(takesArgument(0, byte[].class))))
                        .visit(advice(NativeAdvice.InputAndOutput.class).on(named("deflate")
                                .and(takesArguments(2)).or(named("inflate").and(takesArguments(1)))
                                .and(takesArgument(0, named(BUFFER))))))
                .type(named("jdk.internal.misc.ScopedMemoryAccess"))
                .transform((t, type, loader, module, domain) -> t
                        .visit(advice(NativeAdvice.Mismatch.class).on(named("vectorizedMismatch")
                                .and(takesArguments(8)))));
        return withSctp(b, context);
    }

    /**
     * The advice's class file: from the boot class path, or, after a late attach (whose jar the boot loader does not
     * serve as a resource), from the system class loader, where the attach mechanism put the jar too.
     */
    private static Advice advice(Class<?> type) {
        return Advice.to(type, new ClassFileLocator.Compound(ClassFileLocator.ForClassLoader.of(type.getClassLoader()),
                ClassFileLocator.ForClassLoader.ofSystemLoader()));
    }

    private static ElementMatcher.Junction<MethodDescription> bufferOnly(String name) {
        return named(name).and(takesArguments(1)).and(takesArgument(0, named(BUFFER)));
    }

    /** jdk.sctp, where the image has it: its advised classes must read the boot loader's unnamed module. */
    private static AgentBuilder withSctp(AgentBuilder b, InstrumentationContext context) {
        Module sctp = ModuleLayer.boot().findModule("jdk.sctp").orElse(null);
        if (sctp == null) {
            return b;
        }
        context.instrumentation().redefineModule(sctp, Set.of(PinHook.class.getModule()), Map.of(), Map.of(),
                Set.of(), Map.of());
        return b.type(named(SCTP).or(named(SCTP_MULTI)))
                .transform((t, type, loader, module, domain) -> t
                        .visit(advice(IoAdvice.ReceiveAt2.class).on(named("receiveIntoNativeBuffer")
                                .and(takesArgument(2, named(BUFFER)))))
                        .visit(advice(IoAdvice.BufferAt1.class).on(named("sendFromNativeBuffer")
                                .and(takesArgument(1, named(BUFFER))))));
    }

    /** Nothing substituted: the installer checks instead that every preloaded class was transformed. */
    @Override
    public Exercise exercise() {
        return null;
    }
}
