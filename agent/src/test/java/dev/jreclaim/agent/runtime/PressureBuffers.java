package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.rules.PressureFigures;
import dev.jreclaim.agent.rules.RulePolicy;
import dev.jreclaim.testapp.PressureSite;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A child program (PressureMarkingIT): {@code count mib}, direct buffers loaded one after another through an
 * on-return, mark-when=pressure site, all kept, then every byte read back. After each load it reads the agent's
 * pressure figures: as long as the level has never risen, no range may have been marked and every byte loaded must
 * be deferred (read in that order: a rise after the marks were read shows in the rises read last). Prints
 * {@code RESULT wrong=<n> before-rise=<loads checked before any rise> marked-before-rise=<n> rises=<n> marked=<n>
 * back-pressure=<n> deferred-end=<bytes> rebuilt=<pages> criticals=<n>}; exits 1 on a wrong buffer.
 */
public final class PressureBuffers {
    private PressureBuffers() {}

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        int size = Integer.parseInt(args[1]) << 20;
        RulePolicy policy = (RulePolicy) ReclaimRuntime.current().policy();
        List<ByteBuffer> buffers = new ArrayList<>();
        long beforeRise = 0, markedBeforeRise = 0;
        for (int i = 0; i < count; i++) {
            buffers.add(PressureSite.load(size, i));
            PressureFigures f = policy.pressureFigures();
            long marked = f.markedRanges() + f.backPressureRanges();
            long deferred = f.deferredBytes();
            if (policy.pressureFigures().rises() == 0) {
                beforeRise++;
                if (marked != 0 || deferred != (long) (i + 1) * size) {
                    markedBeforeRise++;
                    System.out.println("load " + i + " before any rise: marked " + marked + ", deferred " + deferred);
                }
            }
        }
        long wrong = 0;
        for (int i = 0; i < count; i++) {
            wrong += PressureSite.right(buffers.get(i), size, i) ? 0 : 1;
        }
        PressureFigures f = policy.pressureFigures();
        System.out.println("FIGURES " + f);
        System.out.println("RESULT wrong=" + wrong + " before-rise=" + beforeRise + " marked-before-rise=" + markedBeforeRise
                + " rises=" + f.rises() + " marked=" + f.markedRanges() + " back-pressure=" + f.backPressureRanges()
                + " deferred-end=" + f.deferredBytes() + " rebuilt=" + ReclaimRuntime.current().registry().counters().pagesRestored()
                + " criticals=" + f.criticals());
        System.exit(wrong == 0 ? 0 : 1);
    }
}
