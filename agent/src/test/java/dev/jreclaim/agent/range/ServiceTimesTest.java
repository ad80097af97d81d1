package dev.jreclaim.agent.range;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ServiceTimesTest {
    private static long[] buckets(int... pairs) {
        long[] h = new long[40];
        for (int i = 0; i < pairs.length; i += 2) {
            h[pairs[i]] = pairs[i + 1];
        }
        return h;
    }

    @Test
    void aQuantileIsTheBucketHoldingIt() {
        // 60 answers in [16, 32) us (bucket 14), 39 in [32, 65) us, 1 in [1.05, 2.1) ms
        ServiceTimes t = new ServiceTimes(buckets(14, 60, 15, 39, 20, 1));
        assertEquals(new ServiceTimes.Bucket(1L << 14, 1L << 15), t.quantile(0.5).orElseThrow());
        assertEquals(new ServiceTimes.Bucket(1L << 15, 1L << 16), t.quantile(0.99).orElseThrow());
        assertEquals(new ServiceTimes.Bucket(1L << 20, 1L << 21), t.quantile(1.0).orElseThrow());
        assertEquals("16-33 us", t.quantile(0.5).orElseThrow().describe());
        assertEquals(100, t.answers());
    }

    @Test
    void noAnswerNoQuantile() {
        assertTrue(new ServiceTimes(new long[40]).quantile(0.5).isEmpty());
    }

    @Test
    void anIntervalCountsOnlyItsOwnAnswers() {
        ServiceTimes before = new ServiceTimes(buckets(10, 1000));
        ServiceTimes after = new ServiceTimes(buckets(10, 1000, 17, 3));
        ServiceTimes interval = after.since(before);
        assertEquals(3, interval.answers());
        assertEquals(new ServiceTimes.Bucket(1L << 17, 1L << 18), interval.quantile(0.5).orElseThrow());
        assertEquals("131-262 us", interval.quantile(0.5).orElseThrow().describe());
    }

    @Test
    void theFirstBucketStartsAtZero() {
        assertEquals(new ServiceTimes.Bucket(0, 2), new ServiceTimes(buckets(0, 5)).quantile(0.5).orElseThrow());
    }
}
