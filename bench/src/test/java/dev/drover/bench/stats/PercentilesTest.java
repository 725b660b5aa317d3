package dev.drover.bench.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class PercentilesTest {

    @Test
    void nearestRankOfOneToHundred() {
        List<Integer> values = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            values.add(i);
        }
        Collections.shuffle(values);
        Percentiles p = Percentiles.of(values);
        assertEquals(50, p.p50());
        assertEquals(90, p.percentile(90));
        assertEquals(99, p.percentile(99));
        assertEquals(100, p.percentile(100));
        assertEquals(1, p.percentile(0.5));
        assertEquals(1, p.min());
        assertEquals(100, p.max());
        assertEquals(50.5, p.mean(), 1e-9);
        // 0.07 * 100 is 7.000000000000001 in binary floating point: the rank must still be 7
        assertEquals(7, p.percentile(7));
        assertEquals(29, p.percentile(29));
    }

    @Test
    void smallSamplesTakeTheValueAtOrAboveTheRank() {
        Percentiles p = Percentiles.of(3.0, 1.0, 2.0, 4.0);
        assertEquals(2.0, p.p50());
        assertEquals(4.0, p.percentile(90));
        assertEquals(4.0, p.percentile(99));
        assertEquals(3.0, p.percentile(75));
        assertEquals(4.0, p.percentile(75.1));
        Percentiles one = Percentiles.of(7.5);
        assertEquals(7.5, one.p50());
        assertEquals(7.5, one.percentile(99));
        assertEquals(1, one.count());
    }

    @Test
    void p99OfAThousandIsTheTenthLargest() {
        double[] v = new double[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = 1000 - i;
        }
        Percentiles p = Percentiles.of(v);
        assertEquals(990, p.percentile(99));
        assertEquals(999, p.percentile(99.9));
        assertEquals(500, p.p50());
    }

    @Test
    void anEmptySampleHasNoPercentiles() {
        Percentiles p = Percentiles.of(List.of());
        assertTrue(p.isEmpty());
        assertTrue(Double.isNaN(p.p50()));
        assertTrue(Double.isNaN(p.max()));
        assertTrue(Double.isNaN(p.mean()));
    }

    @Test
    void rejectsPercentilesOutsideTheRangeAndMissingValues() {
        Percentiles p = Percentiles.of(1.0, 2.0);
        assertThrows(IllegalArgumentException.class, () -> p.percentile(0));
        assertThrows(IllegalArgumentException.class, () -> p.percentile(100.5));
        assertThrows(IllegalArgumentException.class, () -> p.percentile(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.of(1.0, Double.NaN));
        List<Double> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(IllegalArgumentException.class, () -> Percentiles.of(withNull));
    }
}
