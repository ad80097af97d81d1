package dev.jreclaim.agent.config;

import dev.jreclaim.instrumentation.api.SiteTable;
import java.util.ArrayList;
import java.util.List;

/**
 * Valid rules that can never take a buffer, or whose buffers can never be marked: each gets one WARN line at
 * start naming the rule and why. The rule stays: the configuration is valid, only pointless as written.
 */
public final class UnreachableRules {
    private UnreachableRules() {}

    /**
     * @param maxDirectMemory the JVM's limit on direct memory (-XX:MaxDirectMemorySize, else the heap's maximum):
     *                        neither a direct buffer nor an arena segment can be bigger; 0 when unknown
     */
    public static List<String> warnings(List<SiteRule> rules, long maxDirectMemory) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            SiteRule r = rules.get(i);
            String why = why(r, rules.subList(0, i), maxDirectMemory);
            if (why != null) {
                lines.add("jreclaim: WARN rule '" + r.id() + "' (site " + r.site() + ", kind " + r.kind().token()
                        + ", min-size " + r.minSize() + ") " + why);
            }
        }
        return lines;
    }

    private static String why(SiteRule r, List<SiteRule> earlier, long maxDirectMemory) {
        String classPrefix = r.site().classGlob().literalPrefix();
        if (SiteTable.neverSite(classPrefix)) {
            return "can never take a buffer: its class glob names only classes under "
                    + SiteTable.NEVER_SITES.stream().filter(classPrefix::startsWith).findFirst().orElseThrow()
                    + ", which are never sites (the JDK's and the agent's own are not instrumented); name the"
                    + " application method that allocates";
        }
        if (maxDirectMemory > 0 && r.minSize() > maxDirectMemory) {
            return "can never take a buffer: min-size is above the JVM's direct memory limit of " + maxDirectMemory
                    + " bytes (-XX:MaxDirectMemorySize, else -Xmx), which every direct buffer and arena segment"
                    + " counts against";
        }
        if (r.kind() == RuleKind.DIRECT && r.minSize() > Integer.MAX_VALUE) {
            return "can never take a buffer: min-size is above " + Integer.MAX_VALUE
                    + " bytes, the largest ByteBuffer.allocateDirect can make";
        }
        for (SiteRule e : earlier) {
            if (shadows(e, r)) {
                return "can never take a buffer: rule '" + e.id() + "' comes first and takes every allocation it"
                        + " could (first match wins: same or wider site and kind, min-size " + e.minSize()
                        + "); move it before '" + e.id() + "' or narrow '" + e.id() + "'";
            }
        }
        if (everyMethod(r) && r.mark() instanceof MarkMode.OnReturn) {
            return "never marks a buffer: site " + r.site() + " makes every method a site, so the outermost site"
                    + " call on a thread is its first frame (run(), main), which returns only when the thread ends"
                    + " (and no method is instrumented for it); use mark=idle:<duration>, or name the methods";
        }
        return null;
    }

    private static boolean everyMethod(SiteRule r) {
        return r.site().classGlob().matchesEverything() && r.site().methodGlob().matchesEverything();
    }

    /** Whether {@code first}, tried before {@code later}, takes every allocation {@code later} would. */
    private static boolean shadows(SiteRule first, SiteRule later) {
        boolean kind = first.kind() == RuleKind.ANY || first.kind() == later.kind();
        boolean site = everyMethod(first) || first.site().equals(later.site());
        return kind && site && first.minSize() <= later.minSize();
    }
}
