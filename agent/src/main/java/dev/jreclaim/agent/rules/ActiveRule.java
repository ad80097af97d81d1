package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.config.MarkMode;
import dev.jreclaim.agent.config.SiteRule;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.instrumentation.api.AllocationKind;

/**
 * A configured rule as the running agent uses it: its position in rule order, and its on-purge list resolved.
 *
 * @param index position in rule order (first match wins), also its slot in each thread's site depths
 */
public record ActiveRule(int index, SiteRule rule, PurgeResolution purge) {

    /** The rebuild source of this rule's ranges; null: its buffers stay plain JDK memory. */
    public RebuildSource source() {
        return purge.source();
    }

    /** rebuild:file rules: whether each page's hash is checked after its file is read back (file-check=hash). */
    public boolean fileHash() {
        return rule.fileCheck() == dev.jreclaim.agent.config.FileCheck.HASH;
    }

    public MarkMode mark() {
        return rule.mark();
    }

    /** A rule without {@code site} covers allocations in every method. */
    public boolean anySite() {
        return rule.site().classGlob().matchesEverything() && rule.site().methodGlob().matchesEverything();
    }

    /** Whether an allocation of this kind and size belongs here, given that the thread is inside one of its sites. */
    public boolean accepts(AllocationKind kind, long size) {
        return size >= rule.minSize() && rule.kind().covers(kind);
    }

    /** "rule 'cache' (direct in com.acme.*#load*, >= 65536 bytes, on-return, SNAPSHOT)". */
    public String describe() {
        return "rule '" + rule.id() + "' (" + rule.kind().token() + (anySite() ? " anywhere" : " in " + rule.site())
                + ", >= " + rule.minSize() + " bytes, " + rule.mark()
                + (rule.marksUnderPressureOnly() ? " when memory is short" : "") + ", " + purge.describe() + ")";
    }
}
