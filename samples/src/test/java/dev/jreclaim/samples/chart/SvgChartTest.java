package dev.jreclaim.samples.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class SvgChartTest {
    @Test
    void rendersWellFormedSvgWithOnePathPerSeriesAndTheLimit() throws Exception {
        Series a = new Series("a & b", "#f00");
        a.add(0, 10);
        a.add(2, 250);
        Series b = new Series("empty", "#0f0");
        String svg = SvgChart.render("t<1>", List.of(List.of(new SvgChart.Panel("p", "MiB", List.of(a, b), 256, "limit"),
                new SvgChart.Panel("q", "MiB", List.of()))));
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", d.getDocumentElement().getTagName());
        assertEquals(1, d.getElementsByTagName("path").getLength(), "a path for the series with points only");
        assertTrue(svg.contains("a &amp; b") && svg.contains("t&lt;1&gt;") && svg.contains("stroke-dasharray"), svg);
        assertTrue(svg.contains("no data"), "the empty panel says so");
    }

    @Test
    void roundsTheScaleUpToARoundNumber() {
        assertEquals(300, SvgChart.niceCeiling(256 * 1.08), 1e-9);
        assertEquals(1, SvgChart.niceCeiling(0), 1e-9);
        assertEquals(0.5, SvgChart.niceCeiling(0.42), 1e-9);
        assertEquals(1200, SvgChart.niceCeiling(1001), 1e-9);
    }
}
