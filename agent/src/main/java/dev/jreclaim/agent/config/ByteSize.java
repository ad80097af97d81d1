package dev.jreclaim.agent.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes in bytes: a whole number, optionally followed by K, KiB, M, MiB, G or GiB (powers of 1024,
 * case-insensitive), with no space. KB/MB/GB are refused because readers disagree on whether they
 * mean 1000 or 1024.
 */
public final class ByteSize {
    static final String ALLOWED = "use bytes or a number with KiB, MiB or GiB (e.g. 64KiB)";
    private static final Pattern SIZE = Pattern.compile("([0-9]+)([A-Za-z]*)");
    private static final Pattern FRACTION = Pattern.compile("([0-9]*\\.[0-9]+)([A-Za-z]*)");

    private ByteSize() {}

    public static long parse(String text) throws InvalidValueException {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            if (text.startsWith("-") && SIZE.matcher(text.substring(1)).matches()) {
                throw new InvalidValueException("negative size; " + ALLOWED);
            }
            Matcher f = FRACTION.matcher(text);
            if (f.matches() && unit(f.group(2)) > 0) {
                throw new InvalidValueException("not a whole number; " + fractionHint(new BigDecimal(f.group(1)), unit(f.group(2))));
            }
            throw new InvalidValueException("not a size; " + ALLOWED);
        }
        long unit = unit(m.group(2));
        if (unit == -1) {
            throw new InvalidValueException("not a size: " + m.group(2) + " is ambiguous (1000 or 1024?); use "
                    + m.group(2).substring(0, 1).toUpperCase(Locale.ROOT) + "iB (1024) instead");
        }
        if (unit == 0) {
            throw new InvalidValueException("not a size; " + ALLOWED);
        }
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new InvalidValueException("too large; the largest size is " + Long.MAX_VALUE + " bytes");
        }
    }

    /** Bytes per unit; 0 for an unknown unit, -1 for an SI-looking one (KB, MB, GB). */
    private static long unit(String unit) {
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "" -> 1;
            case "k", "kib" -> 1L << 10;
            case "m", "mib" -> 1L << 20;
            case "g", "gib" -> 1L << 30;
            case "kb", "mb", "gb" -> -1;
            default -> 0;
        };
    }

    private static String fractionHint(BigDecimal number, long unit) {
        BigDecimal bytes = number.multiply(BigDecimal.valueOf(unit));
        try {
            BigInteger exact = bytes.toBigIntegerExact();
            if (exact.bitLength() < 63) {
                return "use a smaller unit (e.g. " + format(exact.longValueExact()) + ")";
            }
        } catch (ArithmeticException notWhole) {
            // falls through: no whole number of bytes to suggest
        }
        return ALLOWED;
    }

    /** The shortest exact spelling: 65536 -> 64KiB, 1000 -> 1000. */
    public static String format(long bytes) {
        String[] units = {"GiB", "MiB", "KiB"};
        int[] shifts = {30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            long u = 1L << shifts[i];
            if (bytes != 0 && bytes % u == 0) {
                return bytes / u + units[i];
            }
        }
        return Long.toString(bytes);
    }
}
