package dev.jreclaim.agent.start;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jreclaim.instrumentation.api.InstrumentationModule;
import dev.jreclaim.instrumentation.api.InstrumentationModule.Target;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every instrumentation module is found through ServiceLoader, JDK substitutions first. (From the boot class
 * path, in the agent jar, the same lookup is proven by AgentRulesIT's start-up line and AgentJarIT's merged
 * service file.)
 */
class InstrumentationInstallerTest {
    @Test
    void everyModuleIsFoundThroughServiceLoaderInInstallationOrder() {
        List<InstrumentationModule> modules = InstrumentationInstaller.modules();
        assertEquals(List.of("DirectByteBuffer", "FFM arenas", "FileChannel reads", "native I/O guards", "application site methods"),
                modules.stream().map(InstrumentationModule::name).toList());
        assertEquals(List.of(Target.JDK, Target.JDK, Target.GUARD, Target.GUARD, Target.APPLICATION),
                modules.stream().map(InstrumentationModule::target).toList());
    }
}
