package dev.jreclaim.agent.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** Bytes of marked ranges the kernel dropped since the previous sample; see {@link PurgeSampler}. */
@Name("jreclaim.PurgeDetected")
@Label("Purge Detected")
@Category("jreclaim")
@Description("Pages of marked ranges that the kernel dropped since the previous sample")
@Period("5 s")
@StackTrace(false)
final class PurgeDetectedEvent extends jdk.jfr.Event {
    @Label("Purged")
    @DataAmount
    long bytes;

    @Label("Ranges")
    @Description("Ranges that lost pages in the interval")
    long ranges;

    @Label("Absent Now")
    @Description("Bytes of marked ranges not resident at the sample, all ranges")
    @DataAmount
    long absentBytes;
}
