package dev.jreclaim.bootstrap;

/** The running JVM's feature version, readable on any JDK from 8 on. */
final class JavaVersion {
    /** The release the agent's own classes are compiled for (pom.xml's {@code maven.compiler.release}):
     *  on an older JVM they would fail with UnsupportedClassVersionError. JavaVersionTest checks the two agree. */
    static final int REQUIRED = 25;

    private JavaVersion() {}

    static int feature() {
        String v = System.getProperty("java.specification.version", "0");
        if (v.startsWith("1.")) {
            v = v.substring(2);
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String tooOld() {
        return "jreclaim needs Java " + REQUIRED + " or newer (its classes are compiled for it; the FFM API is final since 22); this JVM is Java "
                + System.getProperty("java.version") + " at " + System.getProperty("java.home")
                + ". Run it with a JDK " + REQUIRED + "+ (e.g. Temurin " + REQUIRED + ").";
    }
}
