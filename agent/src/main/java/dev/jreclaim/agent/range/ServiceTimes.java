package dev.jreclaim.agent.range;

import java.util.Locale;
import java.util.Optional;

/**
 * The fault service's time histogram (jreclaim.h, JR_HIST_BUCKETS): answers per power-of-two bucket, each
 * timed from the read of its event to the wake of the faulting thread. A quantile is reported as the bucket
 * that holds it, never as a point inside it: the histogram cannot tell more.
 *
 * @param counts answers per bucket: bucket i counts [2^i, 2^(i+1)) ns (bucket 0 also 0 ns)
 */
public record ServiceTimes(long[] counts) {

    /** The bucket [fromNanos, toNanos) of the histogram. */
    public record Bucket(long fromNanos, long toNanos) {
        /** For people: "33-66 us". */
        public String describe() {
            return micros(fromNanos) + "-" + micros(toNanos) + " " + unit(toNanos);
        }

        private static String micros(long nanos) {
            double v = nanos >= 10_000_000 ? nanos / 1e6 : nanos / 1e3;
            return v < 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v);
        }

        private static String unit(long nanos) {
            return nanos >= 10_000_000 ? "ms" : "us";
        }
    }

    public ServiceTimes {
        counts = counts.clone();
    }

    /** The answers counted since {@code earlier} (an earlier reading of the same service). */
    public ServiceTimes since(ServiceTimes earlier) {
        long[] d = counts.clone();
        for (int i = 0; i < d.length && i < earlier.counts.length; i++) {
            d[i] = Math.max(0, d[i] - earlier.counts[i]);
        }
        return new ServiceTimes(d);
    }

    public long answers() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    /** The bucket holding quantile q (0..1) of the answers; empty when there is none. */
    public Optional<Bucket> quantile(double q) {
        long total = answers();
        if (total == 0) {
            return Optional.empty();
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Optional.of(new Bucket(i == 0 ? 0 : 1L << i, 1L << (i + 1)));
            }
        }
        return Optional.empty();
    }
}
