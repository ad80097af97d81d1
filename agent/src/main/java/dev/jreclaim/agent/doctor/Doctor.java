package dev.jreclaim.agent.doctor;

import java.io.PrintStream;

/** Placeholder, replaced below. */
public final class Doctor {
    private Doctor() {}

    public static int run(PrintStream out) {
        out.println("doctor: UNAVAILABLE: not written yet");
        return 1;
    }
}
