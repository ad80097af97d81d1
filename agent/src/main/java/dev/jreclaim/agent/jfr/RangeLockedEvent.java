package dev.jreclaim.agent.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** One {@code VolatileRange.lock()}; O(1) except for POISON, which makes every page resident. */
@Name("jreclaim.RangeLocked")
@Label("Range Locked")
@Category("jreclaim")
@Description("A range became non-volatile again; result PURGED means content was lost (POISON only)")
@Threshold("1 ms")
@StackTrace(false)
final class RangeLockedEvent extends RangeEvent {
    @Label("Result")
    @Description("INTACT or PURGED")
    String result;
}
