package dev.jreclaim.agent.config;

/**
 * A pattern with two wildcards: {@code *} (any run of characters, also empty, also across dots and
 * {@code $}) and {@code ?} (exactly one character). Everything else, {@code .} included, is literal
 * and case-sensitive. Class globs are matched against binary names ({@code com.acme.Cache$Loader}).
 */
public final class Glob {
    private final String pattern;

    private Glob(String pattern) {
        this.pattern = pattern;
    }

    /** A glob for a class's binary name: Java name characters, dots between non-empty parts, {@code *}, {@code ?}. */
    public static Glob ofClass(String text) throws InvalidValueException {
        if (text.isEmpty()) {
            throw new InvalidValueException("empty class glob before '#'; use * for any class");
        }
        if (text.indexOf('/') >= 0) {
            throw new InvalidValueException("'/' in class glob; write binary names with dots (e.g. com.acme.Cache$Loader)");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '.' && !isGlobNameChar(c)) {
                throw new InvalidValueException(illegal(c, i, "class") + "; use Java name characters, '.', '*' and '?'");
            }
        }
        if (text.startsWith(".") || text.endsWith(".") || text.contains("..")) {
            throw new InvalidValueException("empty part in class glob '" + text + "' (a dot at an end or two dots)");
        }
        return new Glob(text);
    }

    /** A glob for a method name: Java name characters, {@code *}, {@code ?}; or exactly {@code <init>} / {@code <clinit>}. */
    public static Glob ofMethod(String text) throws InvalidValueException {
        if (text.isEmpty()) {
            throw new InvalidValueException("empty method glob after '#'; use * for any method");
        }
        if (text.equals("<init>") || text.equals("<clinit>")) {
            return new Glob(text);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isGlobNameChar(c)) {
                throw new InvalidValueException(illegal(c, i, "method")
                        + "; use Java name characters, '*' and '?' (or <init>, <clinit> for constructors)");
            }
        }
        return new Glob(text);
    }

    private static boolean isGlobNameChar(char c) {
        return c == '*' || c == '?' || (Character.isJavaIdentifierPart(c) && !Character.isIdentifierIgnorable(c));
    }

    private static String illegal(char c, int index, String what) {
        return "illegal character " + ConfigProblem.quoteChar(c) + " at position " + (index + 1) + " of the " + what + " glob";
    }

    public boolean matches(String name) {
        // Greedy with one backtrack point: linear for typical patterns, O(n*m) at worst, no allocation.
        int p = 0, s = 0, star = -1, resume = 0;
        while (s < name.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == name.charAt(s))) {
                p++;
                s++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                resume = s;
            } else if (star >= 0) {
                p = star + 1;
                s = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    /** The characters before the first wildcard: every name the glob matches begins with them. */
    public String literalPrefix() {
        for (int i = 0; i < pattern.length(); i++) {
            if (pattern.charAt(i) == '*' || pattern.charAt(i) == '?') {
                return pattern.substring(0, i);
            }
        }
        return pattern;
    }

    /** Whether the glob is just {@code *}. */
    public boolean matchesEverything() {
        return pattern.chars().allMatch(c -> c == '*');
    }

    @Override
    public String toString() {
        return pattern;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Glob g && g.pattern.equals(pattern);
    }

    @Override
    public int hashCode() {
        return pattern.hashCode();
    }
}
