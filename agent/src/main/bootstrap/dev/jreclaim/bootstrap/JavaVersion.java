package dev.jreclaim.bootstrap;

/** The running JVM's feature version, readable on any JDK from 8 on. */
final class JavaVersion {
    static final int REQUIRED = 22;

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
        return "jreclaim needs Java " + REQUIRED + " or newer (the FFM API); this JVM is Java "
                + System.getProperty("java.version") + " at " + System.getProperty("java.home")
                + ". Run it with a JDK " + REQUIRED + "+ (e.g. Temurin 25).";
    }
}
