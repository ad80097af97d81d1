package dev.jreclaim.agent.runtime;

import com.sun.tools.attach.VirtualMachine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * A child program (AgentAttachIT): allocates a buffer, attaches the agent to itself, allocates again,
 * and frees both. Run with -Djdk.attach.allowAttachSelf=true; args: the agent jar, the agent's options.
 */
public final class LateAttach {
    private LateAttach() {}

    public static void main(String[] args) throws Exception {
        ByteBuffer early = ByteBuffer.allocateDirect(1 << 20);
        early.put(0, (byte) 5);
        VirtualMachine vm = VirtualMachine.attach(Long.toString(ProcessHandle.current().pid()));
        try {
            vm.loadAgent(args[0], args[1]);
        } finally {
            vm.detach();
        }
        ReclaimRuntime runtime = ReclaimRuntime.current();
        ByteBuffer late = ByteBuffer.allocateDirect(1 << 20);
        System.out.println("early buffer is the agent's: " + (runtime.rangeAt(MemorySegment.ofBuffer(early).address()) != null));
        System.out.println("late buffer is the agent's: " + (runtime.rangeAt(MemorySegment.ofBuffer(late).address()) != null));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(1 << 20);
            System.out.println("late segment is the agent's: " + (runtime.rangeAt(s.address()) != null));
        }
        Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        sun.misc.Unsafe unsafe = (sun.misc.Unsafe) f.get(null);
        unsafe.invokeCleaner(early); // allocated before the agent: the JDK frees it
        unsafe.invokeCleaner(late);
        System.out.println("early " + early.capacity() + ", late " + late.capacity() + ", live ranges "
                + runtime.totals().liveRanges() + ", frees " + runtime.totals().frees());
    }
}
