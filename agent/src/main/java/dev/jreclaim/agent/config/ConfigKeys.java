package dev.jreclaim.agent.config;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** The keys jreclaim reads and how their names map to environment variables. */
public final class ConfigKeys {
    public static final String PREFIX = "jreclaim.";
    public static final String ENABLED = "jreclaim.enabled";
    public static final String LOG_LEVEL = "jreclaim.log.level";
    public static final String UFFD_MODE = "jreclaim.uffd.mode";
    public static final String SERVICE_CAPACITY = "jreclaim.service.capacity";
    public static final String SNAPSHOT_CHUNK = "jreclaim.snapshot.chunk";
    public static final String SNAPSHOT_MIN_RATIO = "jreclaim.snapshot.min-ratio";
    public static final String SNAPSHOT_MAX_MEMORY = "jreclaim.snapshot.max-memory";
    public static final String SNAPSHOT_SPILL = "jreclaim.snapshot.spill";
    public static final String SNAPSHOT_SPILL_DIR = "jreclaim.snapshot.spill-dir";
    public static final String REMARK_IDLE = "jreclaim.remark.idle";
    public static final String FILE_MAX_OPEN = "jreclaim.file.max-open";
    public static final String MEMORY_RECYCLE_MAX = "jreclaim.memory.recycle-max";
    public static final String PRESSURE_HEADROOM = "jreclaim.pressure.headroom";
    public static final String EXIT_SUMMARY = "jreclaim.exit-summary";
    public static final String CACHE = "jreclaim.cache";
    public static final String CACHE_DIR = "jreclaim.cache.dir";
    public static final String START_COLLECT = "jreclaim.start.collect";
    /** Where the file is; only from the agent options, a system property or the environment. */
    public static final String CONFIG = "jreclaim.config";
    public static final String RULE_PREFIX = "jreclaim.rule.";
    /** System properties of the doctor command (docs/doctor.md), not of the agent: the agent ignores them. */
    public static final String DOCTOR_PREFIX = "jreclaim.doctor.";

    /** Keys a file may set besides rules, in documentation order. */
    public static final List<String> GLOBAL = List.of(ENABLED, LOG_LEVEL, UFFD_MODE, SERVICE_CAPACITY, SNAPSHOT_CHUNK,
            SNAPSHOT_MIN_RATIO, SNAPSHOT_MAX_MEMORY, SNAPSHOT_SPILL, SNAPSHOT_SPILL_DIR, REMARK_IDLE, FILE_MAX_OPEN, MEMORY_RECYCLE_MAX,
            PRESSURE_HEADROOM, EXIT_SUMMARY, CACHE, CACHE_DIR, START_COLLECT);

    public static final String KIND = "kind";
    public static final String SITE = "site";
    public static final String MIN_SIZE = "min-size";
    public static final String MARK = "mark";
    public static final String ON_PURGE = "on-purge";
    public static final String FILE_CHECK = "file-check";
    public static final String MARK_WHEN = "mark-when";
    /** Properties of a rule ({@code jreclaim.rule.<id>.<property>}), in documentation order. */
    public static final List<String> RULE_PROPERTIES = List.of(KIND, SITE, MIN_SIZE, MARK, MARK_WHEN, ON_PURGE, FILE_CHECK);

    static final Pattern RULE_ID = Pattern.compile("[A-Za-z0-9_-]+");

    private ConfigKeys() {}

    public static String ruleKey(String id, String property) {
        return RULE_PREFIX + id + "." + property;
    }

    /** UPPER_SNAKE: {@code jreclaim.rule.cache.min-size} -> {@code JRECLAIM_RULE_CACHE_MIN_SIZE}. */
    public static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
