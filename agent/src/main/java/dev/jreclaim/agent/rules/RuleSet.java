package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.config.SiteRule;
import dev.jreclaim.instrumentation.api.AllocationKind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The configuration's valid rules made ready to run: indexed in rule order, on-purge resolved against
 * what this fault service can do. A rule that cannot run yet is left out with one line saying why.
 */
public record RuleSet(List<ActiveRule> rules, List<String> problems) {

    public static RuleSet of(List<SiteRule> configured, boolean writeProtect) {
        return of(configured, writeProtect, true);
    }

    /** @param kernelAccessServed a full userfaultfd (not user-mode-only): what rebuild:file,throw needs */
    public static RuleSet of(List<SiteRule> configured, boolean writeProtect, boolean kernelAccessServed) {
        List<ActiveRule> rules = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (SiteRule r : configured) {
            String method = r.site().methodGlob().toString();
            if (method.equals("<init>") || method.equals("<clinit>")) {
                problems.add("jreclaim: jreclaim.rule." + r.id() + ".site=" + r.site() + ": constructors and static"
                        + " initialisers cannot be sites yet; name a method; rule '" + r.id() + "' disabled");
                continue;
            }
            rules.add(new ActiveRule(rules.size(), r, PurgeResolution.resolve(r.onPurge(), writeProtect, kernelAccessServed)));
        }
        return new RuleSet(List.copyOf(rules), List.copyOf(problems));
    }

    /** The allocation kinds some rule covers: only their JDK paths are instrumented. */
    public Set<AllocationKind> kinds() {
        Set<AllocationKind> kinds = EnumSet.noneOf(AllocationKind.class);
        for (AllocationKind k : AllocationKind.values()) {
            if (rules.stream().anyMatch(r -> r.rule().kind().covers(k))) {
                kinds.add(k);
            }
        }
        return kinds;
    }

    /**
     * Whether a range of these rules may ever need a pin around the JDK's native access to it (the native-io
     * guards, docs/fault-path.md "Pinning around native access"): with a user-mode-only userfaultfd the kernel's
     * own access to a purged page is not served, and a {@code throw} range (POISON, or rebuild:file,throw) must
     * raise its exception before native code meets a lost page. A full userfaultfd serving rebuilding ranges
     * needs none, so the guards are not installed (no Byte Buddy at start, docs/benchmarks.md "Footprint").
     * Must agree with {@code ReclaimRuntime.pin}, which skips exactly the other ranges.
     */
    public boolean needsPins(boolean kernelAccessServed) {
        return rules.stream().filter(r -> r.source() != null).anyMatch(r -> !kernelAccessServed
                || !r.source().rebuildsOnTouch() || r.purge().fileThrow());
    }

    /** Whether a rule rebuilds from the files JDK reads filled its buffers from (the file-read advice). */
    public boolean readsFiles() {
        return rules.stream().anyMatch(r -> r.purge() != null && r.purge().fromFiles());
    }

    /** Whether any rule needs the site advice (has a site). */
    public boolean hasSites() {
        return rules.stream().anyMatch(r -> !r.anySite());
    }
}
