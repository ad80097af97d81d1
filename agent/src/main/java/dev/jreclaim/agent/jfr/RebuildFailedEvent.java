package dev.jreclaim.agent.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** Pages a source could not produce since the previous sample (poisoned rather than served wrong). */
@Name("jreclaim.RebuildFailed")
@Label("Rebuild Failed")
@Category("jreclaim")
@Description("Pages the fault service could not rebuild since the previous sample; they were poisoned")
@Period("1 s")
@StackTrace(false)
final class RebuildFailedEvent extends jdk.jfr.Event {
    @Label("Pages")
    long pages;

    @Label("Install Errors")
    @Description("Install (ioctl) failures other than races")
    long installErrors;
}
