package dev.jreclaim.agent.doctor;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The fields of {@code /proc/self/status} that decide how this process may get a userfaultfd
 * (proc(5)): effective uid, effective capabilities, seccomp mode. Read from the file rather than
 * through FFM so that they can be reported even when native access is denied.
 */
public record ProcStatus(OptionalInt euid, OptionalLong capEff, OptionalInt seccomp) {
    /** {@code CAP_SYS_PTRACE}, linux/capability.h: what a full userfaultfd needs when vm.unprivileged_userfaultfd=0. */
    public static final int CAP_SYS_PTRACE = 19;

    public static ProcStatus parse(String text) {
        OptionalInt euid = OptionalInt.empty();
        OptionalLong capEff = OptionalLong.empty();
        OptionalInt seccomp = OptionalInt.empty();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            String[] fields = line.substring(colon + 1).trim().split("\\s+");
            try {
                switch (key) {
                    // "Uid:" lists real, effective, saved and filesystem uid, in that order.
                    case "Uid" -> euid = fields.length >= 2 ? OptionalInt.of(Integer.parseInt(fields[1])) : euid;
                    case "CapEff" -> capEff = OptionalLong.of(Long.parseUnsignedLong(fields[0], 16));
                    case "Seccomp" -> seccomp = OptionalInt.of(Integer.parseInt(fields[0]));
                    default -> { }
                }
            } catch (NumberFormatException malformed) {
                // leave the field unknown; doctor reports it as such
            }
        }
        return new ProcStatus(euid, capEff, seccomp);
    }

    /** Whether capability {@code cap} is effective; empty when CapEff is unknown. */
    public Optional<Boolean> hasCapability(int cap) {
        return capEff.isPresent() ? Optional.of((capEff.getAsLong() & (1L << cap)) != 0)
                : Optional.empty();
    }

    /** "disabled", "strict", "filter" (seccomp(2) modes 0, 1, 2), or "unknown". */
    public String seccompMode() {
        if (seccomp.isEmpty()) {
            return "unknown";
        }
        return switch (seccomp.getAsInt()) {
            case 0 -> "disabled";
            case 1 -> "strict";
            case 2 -> "filter";
            default -> "mode " + seccomp.getAsInt();
        };
    }
}
