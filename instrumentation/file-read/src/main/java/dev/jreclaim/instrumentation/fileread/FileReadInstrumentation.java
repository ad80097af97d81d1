package dev.jreclaim.instrumentation.fileread;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jreclaim.instrumentation.api.AllocationKind;
import dev.jreclaim.instrumentation.api.InstrumentationContext;
import dev.jreclaim.instrumentation.api.InstrumentationModule;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * JDK file reads into native memory, told to {@link dev.jreclaim.instrumentation.api.FileReadHook}: {@code
 * FileChannel} read/pread (FileChannel.open, Files.newByteChannel, RandomAccessFile and FileInputStream
 * channels) reach {@code sun.nio.ch.IOUtil.readIntoNativeBuffer}, scattering reads {@code IOUtil.read(FileDescriptor,
 * ByteBuffer[], ...)}; {@code MemorySegment.copy} from a segment of {@code FileChannel.map(..., Arena)} reaches
 * {@code SegmentBulkOperations.copy}, the mapping's file is told at {@code FileChannelImpl.map} and forgotten at
 * {@code Unmapper.unmap}. These classes are loaded at premain or now (preload) and retransformed.
 */
public final class FileReadInstrumentation implements InstrumentationModule {
    private static final String IOUTIL = "sun.nio.ch.IOUtil";
    private static final String CHANNEL = "sun.nio.ch.FileChannelImpl";
    private static final String UNMAPPER = "sun.nio.ch.FileChannelImpl$Unmapper";
    private static final String COPY = "jdk.internal.foreign.SegmentBulkOperations";
    private static final String SEGMENT = "jdk.internal.foreign.AbstractMemorySegmentImpl";

    @Override
    public String name() {
        return "FileChannel reads";
    }

    /** Advice on a JDK class, installed like the guards (checked: IOUtil must have been transformed). */
    /** Only when some rule rebuilds from files. */
    @Override
    public boolean appliesTo(InstrumentationContext context) {
        return context.fileReads();
    }

    @Override
    public Target target() {
        return Target.GUARD;
    }

    @Override
    public java.util.List<String> preload() {
        return java.util.List.of(IOUTIL, CHANNEL, UNMAPPER, COPY);
    }

    @Override
    public AgentBuilder instrument(AgentBuilder builder, InstrumentationContext context) {
        return builder
                .type(named(IOUTIL))
                .transform((b, type, loader, module, domain) -> b
                        .visit(advice(FileReadAdvice.class).on(named("readIntoNativeBuffer").and(takesArguments(7))))
                        .visit(advice(ScatteringReadAdvice.class).on(named("read").and(takesArguments(8))
                                .and(takesArgument(1, java.nio.ByteBuffer[].class)))))
                .type(named(CHANNEL))
                .transform((b, type, loader, module, domain) -> b.visit(advice(MapAdvice.class).on(named("map")
                        .and(takesArguments(4)).and(takesArgument(3, java.lang.foreign.Arena.class)))))
                .type(named(UNMAPPER))
                .transform((b, type, loader, module, domain) -> b.visit(advice(UnmapAdvice.class)
                        .on(named("unmap").and(takesArguments(0)))))
                .type(named(COPY))
                .transform((b, type, loader, module, domain) -> b.visit(advice(MappedCopyAdvice.class)
                        .on(named("copy").and(takesArguments(5)).and(takesArgument(0, named(SEGMENT)))
                                .and(takesArgument(2, named(SEGMENT))))));
    }

    private static Advice advice(Class<?> adviceClass) {
        return Advice.to(TypeDescription.ForLoadedType.of(adviceClass), adviceLocator());
    }

    /**
     * Where the advice's class file is read from: the boot loader answers for the boot class path only as it
     * was at JVM start, so after a late attach the agent jar is found through the system class path, where the
     * attach mechanism put it too.
     */
    private static ClassFileLocator adviceLocator() {
        return new ClassFileLocator.Compound(ClassFileLocator.ForClassLoader.ofBootLoader(),
                ClassFileLocator.ForClassLoader.of(ClassLoader.getSystemClassLoader()));
    }

    /**
     * Advice only: it substitutes no allocation or free, so the probe must see none of them. (That the advice
     * reports reads is proven end to end by FileProvenanceIT.)
     */
    @Override
    public Exercise exercise() {
        return new Exercise(AllocationKind.DIRECT, 0, 0, 0);
    }
}
