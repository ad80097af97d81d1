package dev.jreclaim.agent.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Label;

/** What the mark and lock events record of their range (JFR records a superclass's fields too). */
abstract class RangeEvent extends jdk.jfr.Event {
    @Label("Range Id")
    long rangeId;

    @Label("Address")
    long address;

    @Label("Size")
    @DataAmount
    long bytes;

    @Label("Rebuild Source")
    String source;
}
