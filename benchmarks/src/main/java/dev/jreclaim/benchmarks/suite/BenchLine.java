package dev.jreclaim.benchmarks.suite;

import java.util.Locale;

/**
 * One line of {@code ./build.sh bench}: {@code name: value (what it was measured against; goal …: met)} or
 * {@code …: not met, <why>}. The why is a word or two naming the cost the run measured (docs/benchmarks.md).
 */
final class BenchLine {
    private BenchLine() {}

    static String f(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
    }

    /** A figure whose goal is {@code value >= goal}. */
    static String atLeast(String name, double value, String unit, String detail, double goal, String why) {
        return line(name, value, unit, detail, ">= " + f(goal) + unit, value >= goal, why);
    }

    /** A figure whose goal is {@code value <= goal}. */
    static String atMost(String name, double value, String unit, String detail, double goal, String why) {
        return line(name, value, unit, detail, "<= " + f(goal) + unit, value <= goal, why);
    }

    /** A figure with a goal that is not a bound on it (e.g. "not killed"). */
    static String judged(String name, String value, String detail, String goal, boolean met, String why) {
        return name + ": " + value + " (" + detail + "; goal " + goal + ": " + (met ? "met" : "not met, " + why) + ")";
    }

    /** A measurement that could not run here, and why. */
    static String skipped(String name, String why) {
        return name + ": skipped (" + why + ")";
    }

    private static String line(String name, double value, String unit, String detail, String goal, boolean met, String why) {
        return name + ": " + f(value) + unit + " (" + detail + "; goal " + goal + ": " + (met ? "met" : "not met, " + why) + ")";
    }
}
