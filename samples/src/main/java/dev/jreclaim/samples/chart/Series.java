package dev.jreclaim.samples.chart;

import java.util.ArrayList;
import java.util.List;

/** One line of a chart: (seconds, value) points with a name and a colour. */
public final class Series {
    private final String name;
    private final String colour;
    private final List<double[]> points = new ArrayList<>();

    public Series(String name, String colour) {
        this.name = name;
        this.colour = colour;
    }

    public synchronized void add(double seconds, double value) {
        points.add(new double[] {seconds, value});
    }

    public String name() {
        return name;
    }

    public String colour() {
        return colour;
    }

    public synchronized List<double[]> points() {
        return List.copyOf(points);
    }

    public double maxValue() {
        return points().stream().mapToDouble(p -> p[1]).max().orElse(0);
    }

    public double maxSeconds() {
        return points().stream().mapToDouble(p -> p[0]).max().orElse(0);
    }
}
