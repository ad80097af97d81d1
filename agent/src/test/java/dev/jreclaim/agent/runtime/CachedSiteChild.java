package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.testapp.Sites;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A child program (TransformCacheIT), run with the agent and one direct-buffer rule on {@code Sites#directSite*}:
 * allocates in the site, prints what the buffer became once its on-return mark is done, then purges it and counts
 * the bytes read back wrong. The same lines whether the site class came from Byte Buddy or from the transform cache.
 */
public final class CachedSiteChild {
    private CachedSiteChild() {}

    public static void main(String[] args) throws Exception {
        ReclaimRuntime runtime = ReclaimRuntime.current();
        ByteBuffer b = Sites.directSite(1, x -> {});
        VolatileRange r = runtime == null ? null : runtime.rangeAt(MemorySegment.ofBuffer(b).address());
        if (r == null) {
            System.out.println("site buffer: plain");
            return;
        }
        runtime.policy().awaitPendingMarks();
        System.out.println("site buffer: " + r.source() + " " + r.state());
        r.purge();
        long wrong = 0;
        for (int i = 0; i < b.capacity(); i++) {
            wrong += b.get(i) == Sites.value(i, 0) ? 0 : 1;
        }
        System.out.println("purged and read back: wrong bytes " + wrong);
    }
}
