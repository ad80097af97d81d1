package dev.jreclaim.agent.runtime;

import com.sun.tools.attach.VirtualMachine;
import dev.jreclaim.testapp.AttachSites;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A child program (AgentAttachIT): runs a site method of a class loaded before the attach, attaches the agent
 * to itself with a site rule naming it and a class first loaded after, then allocates in both sites. Run with
 * -Djdk.attach.allowAttachSelf=true; args: the agent jar, the agent's options.
 */
public final class LateAttachSites {
    private LateAttachSites() {}

    public static void main(String[] args) throws Exception {
        AttachSites.Early.site(); // loaded, linked and run before the agent is there
        VirtualMachine vm = VirtualMachine.attach(Long.toString(ProcessHandle.current().pid()));
        try {
            vm.loadAgent(args[0], args[1]);
        } finally {
            vm.detach();
        }
        ReclaimRuntime runtime = ReclaimRuntime.current();
        ByteBuffer early = AttachSites.Early.site();
        ByteBuffer late = AttachSites.Late.site();
        runtime.policy().awaitPendingMarks(); // on-return marks run on the agent's background marker
        System.out.println("early site's buffer: " + describe(runtime, early));
        System.out.println("late site's buffer: " + describe(runtime, late));
        System.out.println("live ranges " + runtime.totals().liveRanges());
    }

    private static String describe(ReclaimRuntime runtime, ByteBuffer b) {
        var range = runtime.rangeAt(MemorySegment.ofBuffer(b).address());
        return range == null ? "plain" : range.source() + " " + range.state();
    }
}
