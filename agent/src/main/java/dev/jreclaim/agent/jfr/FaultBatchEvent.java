package dev.jreclaim.agent.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * What the native fault service did for one rebuild source since the previous sample. The service never
 * calls Java, so this is a periodic delta of its counters, not an event per fault.
 */
@Name("jreclaim.FaultBatch")
@Label("Fault Batch")
@Category("jreclaim")
@Description("Pages the fault service rebuilt for one source since the previous sample")
@Period("1 s")
@StackTrace(false)
final class FaultBatchEvent extends jdk.jfr.Event {
    @Label("Rebuild Source")
    String source;

    @Label("Faults")
    @Description("Fault events answered")
    long faults;

    @Label("Pages")
    @Description("Pages installed (rebuilt)")
    long pages;

    @Label("Bytes")
    @DataAmount
    long bytes;

    @Label("Service Time")
    @Description("Time the fault service spent answering these faults")
    @Timespan
    long serviceTime;
}
