package dev.jreclaim.agent.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** One {@code VolatileRange.mark()}: its duration is the snapshot plus the MADV_FREE. */
@Name("jreclaim.RangeMarked")
@Label("Range Marked")
@Category("jreclaim")
@Description("A range became volatile (reclaimable): snapshot taken (SNAPSHOT), then MADV_FREE")
@Threshold("1 ms")
@StackTrace(false)
final class RangeMarkedEvent extends RangeEvent {}
