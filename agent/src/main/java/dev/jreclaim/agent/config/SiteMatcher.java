package dev.jreclaim.agent.config;

/**
 * Which methods a rule's {@code site} names: {@code class-glob#method-glob}. A buffer belongs to the
 * rule when it is allocated while the thread is inside such a method (its dynamic extent).
 */
public record SiteMatcher(Glob classGlob, Glob methodGlob) {
    /** An omitted {@code site}: every method. */
    public static final SiteMatcher ANY = new SiteMatcher(star(), star());

    public static SiteMatcher parse(String text) throws InvalidValueException {
        int hash = text.indexOf('#');
        if (hash < 0 || hash != text.lastIndexOf('#')) {
            throw new InvalidValueException((hash < 0 ? "no '#'" : "more than one '#'")
                    + "; write class-glob#method-glob (e.g. com.acme.cache.*#load*)");
        }
        return new SiteMatcher(Glob.ofClass(text.substring(0, hash)), Glob.ofMethod(text.substring(hash + 1)));
    }

    /** Whether methods of this class (binary name) can match; lets instrumentation skip other classes. */
    public boolean matchesClass(String binaryClassName) {
        return classGlob.matches(binaryClassName);
    }

    public boolean matches(String binaryClassName, String methodName) {
        return classGlob.matches(binaryClassName) && methodGlob.matches(methodName);
    }

    @Override
    public String toString() {
        return classGlob + "#" + methodGlob;
    }

    private static Glob star() {
        try {
            return Glob.ofClass("*");
        } catch (InvalidValueException e) {
            throw new AssertionError(e);
        }
    }
}
