package dev.jreclaim.samples.chart;

import java.util.List;
import java.util.Locale;

/**
 * A small SVG line-chart writer: panels side by side, each with its own series, sharing one y scale
 * per row so that two runs compare at a glance. Text only, no raster encoding.
 */
public final class SvgChart {
    /** One panel: a title, a y-axis label, and its series. */
    public record Panel(String title, String yLabel, List<Series> series, double limit, String limitLabel) {
        public Panel(String title, String yLabel, List<Series> series) {
            this(title, yLabel, series, 0, null);
        }
    }

    private static final int PANEL_W = 520, PANEL_H = 260, MARGIN_L = 64, MARGIN_R = 16, MARGIN_T = 44, MARGIN_B = 72;

    private SvgChart() {}

    /** Renders rows of panels; every panel of a row shares the row's y scale and the chart's x scale. */
    public static String render(String title, List<List<Panel>> rows) {
        int cols = rows.stream().mapToInt(List::size).max().orElse(1);
        int width = cols * (PANEL_W + MARGIN_L + MARGIN_R);
        int height = 40 + rows.size() * (PANEL_H + MARGIN_T + MARGIN_B);
        double xMax = Math.max(1, rows.stream().flatMap(List::stream).flatMap(p -> p.series().stream())
                .mapToDouble(Series::maxSeconds).max().orElse(1));
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                width, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">%s</text>%n",
                MARGIN_L, escape(title)));
        for (int r = 0; r < rows.size(); r++) {
            List<Panel> row = rows.get(r);
            double yMax = niceCeiling(Math.max(row.stream().mapToDouble(Panel::limit).max().orElse(0),
                    row.stream().flatMap(p -> p.series().stream()).mapToDouble(Series::maxValue).max().orElse(1)) * 1.08);
            for (int c = 0; c < row.size(); c++) {
                int x0 = c * (PANEL_W + MARGIN_L + MARGIN_R) + MARGIN_L;
                int y0 = 40 + r * (PANEL_H + MARGIN_T + MARGIN_B) + MARGIN_T;
                panel(svg, row.get(c), x0, y0, xMax, yMax);
            }
        }
        return svg.append("</svg>\n").toString();
    }

    private static void panel(StringBuilder svg, Panel p, int x0, int y0, double xMax, double yMax) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                x0, y0 - 12, escape(p.title())));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
                x0, y0, PANEL_W, PANEL_H));
        for (int i = 0; i <= 4; i++) { // y grid and ticks
            double v = yMax * i / 4;
            int y = y0 + PANEL_H - (int) Math.round(PANEL_H * i / 4.0);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", x0, y, x0 + PANEL_W, y, x0 - 6, y + 4, label(v)));
        }
        for (int i = 0; i <= 5; i++) { // x ticks
            double t = xMax * i / 5;
            int x = x0 + (int) Math.round(PANEL_W * i / 5.0);
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s s</text>%n",
                    x, y0 + PANEL_H + 16, label(t)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" transform=\"rotate(-90 %d %d)\" text-anchor=\"middle\">%s</text>%n",
                x0 - 48, y0 + PANEL_H / 2, x0 - 48, y0 + PANEL_H / 2, escape(p.yLabel())));
        if (p.limit() > 0) {
            int y = y0 + PANEL_H - (int) Math.round(PANEL_H * p.limit() / yMax);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\" "
                    + "stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#555\">%s</text>%n",
                    x0, y, x0 + PANEL_W, y, x0 + PANEL_W - 4, y - 4, escape(p.limitLabel())));
        }
        int legendX = x0;
        for (Series s : p.series()) {
            StringBuilder path = new StringBuilder();
            for (double[] pt : s.points()) {
                double x = x0 + PANEL_W * pt[0] / xMax;
                double y = y0 + PANEL_H - PANEL_H * Math.min(pt[1], yMax) / yMax;
                path.append(path.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
            }
            if (!path.isEmpty()) {
                svg.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                        path, s.colour()));
            }
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", legendX, y0 + PANEL_H + 32, s.colour(), legendX + 16,
                    y0 + PANEL_H + 38, escape(s.name())));
            legendX += 32 + 7 * s.name().length();
        }
        if (p.series().stream().allMatch(s -> s.points().isEmpty())) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#999\">no data</text>%n",
                    x0 + PANEL_W / 2, y0 + PANEL_H / 2));
        }
    }

    /** A round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at least {@code v}. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String label(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
