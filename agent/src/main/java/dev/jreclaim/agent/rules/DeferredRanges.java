package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.range.VolatileRange;
import java.util.ArrayList;
import java.util.List;

/**
 * The ranges of mark-when=pressure rules whose mark is due but waits for memory to be short: LOCKED, ordinary
 * memory, oldest first. Oldest first, not largest: the oldest buffer is the one most likely finished with (no write
 * racing its mark to pay for later) and, in a cache, the one least likely asked for next, and the kernel takes
 * lazily freed pages in the order they were freed (the inactive LRU), so marking in age order hands it the oldest
 * first; a mark's cost is per byte (the snapshot), so the largest first would not mark more per second.
 *
 * <p>A doubly linked list through each range's {@link RangeUse}, under this object's monitor: add, take and the
 * removal of a freed range are O(1), so buffers allocated and freed while memory is never short leave nothing
 * behind.
 */
final class DeferredRanges {
    static final class Node {
        final VolatileRange range;
        final long bytes;
        Node prev, next;

        Node(VolatileRange range) {
            this.range = range;
            this.bytes = range.byteSize();
        }
    }

    private Node head, tail;
    private long bytes;
    private long count;
    private long everDeferred;

    /** Appends {@code range} (of {@code use}) as the youngest. */
    synchronized void add(VolatileRange range, RangeUse use) {
        if (use.deferred != null) {
            return; // already waiting
        }
        Node n = new Node(range);
        use.deferred = n;
        n.prev = tail;
        if (tail == null) {
            head = n;
        } else {
            tail.next = n;
        }
        tail = n;
        bytes += n.bytes;
        count++;
        everDeferred++;
    }

    /** Takes {@code use}'s range out, if it waits (it is being freed). */
    synchronized void remove(RangeUse use) {
        Node n = use.deferred;
        if (n != null) {
            unlink(n);
            use.deferred = null;
        }
    }

    /** Takes the oldest ranges out: at least one if any waits, then while under {@code maxRanges} and {@code maxBytes}. */
    synchronized List<VolatileRange> takeOldest(int maxRanges, long maxBytes) {
        List<VolatileRange> out = new ArrayList<>();
        long taken = 0;
        while (head != null && out.size() < maxRanges && (out.isEmpty() || taken + head.bytes <= maxBytes)) {
            Node n = head;
            unlink(n);
            if (n.range.attachment() instanceof RangeUse u) {
                u.deferred = null;
            }
            out.add(n.range);
            taken += n.bytes;
        }
        return out;
    }

    private void unlink(Node n) {
        if (n.prev == null) {
            head = n.next;
        } else {
            n.prev.next = n.next;
        }
        if (n.next == null) {
            tail = n.prev;
        } else {
            n.next.prev = n.prev;
        }
        n.prev = n.next = null;
        bytes -= n.bytes;
        count--;
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized long ranges() {
        return count;
    }

    /** Ranges deferred since start. */
    synchronized long everDeferred() {
        return everDeferred;
    }

    synchronized boolean isEmpty() {
        return head == null;
    }
}
