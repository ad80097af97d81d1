package dev.jreclaim.agent.config;

import java.util.Collection;
import java.util.Optional;

/** Suggests the closest known name for a misspelt one. */
final class DidYouMean {
    /** Edits (insert, delete, replace, swap) allowed between a typo and its suggestion. */
    private static final int MAX_DISTANCE = 2;

    private DidYouMean() {}

    /** {@code " (did you mean x?)"} for the closest candidate within reach, or an empty string. */
    static String closest(String typo, Collection<String> candidates) {
        return nearest(typo, candidates).map(c -> " (did you mean " + c + "?)").orElse("");
    }

    static Optional<String> nearest(String typo, Collection<String> candidates) {
        String best = null;
        int bestDistance = MAX_DISTANCE + 1;
        for (String c : candidates) {
            int d = distance(typo, c);
            if (d < bestDistance && d > 0) {
                best = c;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Optimal string alignment distance (Levenshtein plus adjacent swaps). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
