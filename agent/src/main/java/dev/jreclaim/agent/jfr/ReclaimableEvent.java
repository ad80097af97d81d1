package dev.jreclaim.agent.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** What of the live ranges the kernel can drop now, and what writes since the mark keep from it, sampled. */
@Name("jreclaim.Reclaimable")
@Label("Reclaimable")
@Category("jreclaim")
@Description("Bytes of the live ranges the kernel can drop now, and bytes written since their mark (dirty until the next)")
@Period("1 s")
@StackTrace(false)
final class ReclaimableEvent extends jdk.jfr.Event {
    @Label("Volatile Bytes")
    @Description("Marked, not written since the mark, not left plain: the kernel can drop these now")
    @DataAmount
    long volatileBytes;

    @Label("Written Bytes")
    @Description("In chunks written since their last mark: dirty, the kernel keeps them until the range is marked again")
    @DataAmount
    long writtenBytes;

    @Label("Kept Plain Bytes")
    @Description("Chunks the last mark left ordinary memory (no snapshot paid, no fallback)")
    @DataAmount
    long keptBytes;

    @Label("First Writes")
    @Description("Chunks written for the first time since their mark, since start")
    long firstWrites;
}
