package dev.jreclaim.instrumentation.fileread;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jreclaim.instrumentation.api.AllocationKind;
import dev.jreclaim.instrumentation.api.InstrumentationContext;
import dev.jreclaim.instrumentation.api.InstrumentationModule;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * JDK file reads into native memory: {@code FileChannel} read/pread (FileChannel.open, Files.newByteChannel,
 * RandomAccessFile and FileInputStream channels) all reach {@code sun.nio.ch.IOUtil.readIntoNativeBuffer},
 * whose exit advice tells {@link dev.jreclaim.instrumentation.api.FileReadHook} where the bytes came from.
 * IOUtil is loaded before premain (the agent reads its properties through NIO): it is retransformed.
 */
public final class FileReadInstrumentation implements InstrumentationModule {
    @Override
    public String name() {
        return "FileChannel reads";
    }

    /** Advice on a JDK class, installed like the guards (checked: IOUtil must have been transformed). */
    @Override
    public Target target() {
        return Target.GUARD;
    }

    @Override
    public java.util.List<String> preload() {
        return java.util.List.of("sun.nio.ch.IOUtil");
    }

    @Override
    public AgentBuilder instrument(AgentBuilder builder, InstrumentationContext context) {
        return builder
                .type(named("sun.nio.ch.IOUtil"))
                .transform((b, type, loader, module, domain) -> b.visit(Advice.to(
                                TypeDescription.ForLoadedType.of(FileReadAdvice.class), adviceLocator())
                        .on(named("readIntoNativeBuffer").and(takesArguments(7)))));
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
