package dev.jreclaim.agent.config;

import static dev.jreclaim.agent.config.ConfigKeys.CONFIG;
import static dev.jreclaim.agent.config.ConfigKeys.KIND;
import static dev.jreclaim.agent.config.ConfigKeys.MARK;
import static dev.jreclaim.agent.config.ConfigKeys.MIN_SIZE;
import static dev.jreclaim.agent.config.ConfigKeys.ON_PURGE;
import static dev.jreclaim.agent.config.ConfigKeys.PREFIX;
import static dev.jreclaim.agent.config.ConfigKeys.RULE_PREFIX;
import static dev.jreclaim.agent.config.ConfigKeys.RULE_PROPERTIES;
import static dev.jreclaim.agent.config.ConfigKeys.SITE;
import static dev.jreclaim.agent.config.ConfigKeys.envName;
import static dev.jreclaim.agent.config.ConfigKeys.ruleKey;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds the configuration from the agent options, the file they (or {@code jreclaim.config})
 * name, system properties and the environment. Precedence per key: system property, then
 * environment, then file. Never throws on bad input: every bad value becomes a
 * {@link ConfigProblem}, and the result says whether the agent may run.
 */
public final class ConfigLoader {
    private static final String ENV_PREFIX = "JRECLAIM_";
    private static final String ENV_RULE_PREFIX = "JRECLAIM_RULE_";

    /** One value and where it came from; {@code written} is the key as the user wrote it there. */
    private record Setting(String written, String value, Origin origin) {}

    private final List<ConfigProblem> problems = new ArrayList<>();
    /** Rules already disabled by a problem found while reading (a key set twice). */
    private final Set<String> disabledRules = new HashSet<>();

    private ConfigLoader() {}

    /** The real entry point: this JVM's system properties and environment. */
    public static LoadedConfig load(String agentOptions) {
        Properties props = System.getProperties();
        Map<String, String> sys = new HashMap<>();
        for (String name : props.stringPropertyNames()) {
            if (name.startsWith(PREFIX)) {
                sys.put(name, props.getProperty(name));
            }
        }
        return load(agentOptions, sys, System.getenv());
    }

    public static LoadedConfig load(String agentOptions, Map<String, String> systemProperties,
            Map<String, String> environment) {
        return new ConfigLoader().run(agentOptions, systemProperties, environment);
    }

    private LoadedConfig run(String agentOptions, Map<String, String> sysIn, Map<String, String> envIn) {
        AgentOptions options = AgentOptions.parse(agentOptions);
        options.problem().ifPresent(problems::add);

        Map<String, Setting> file = readFile(location(options, sysIn, envIn));
        Map<String, Setting> sys = new TreeMap<>();
        sysIn.forEach((k, v) -> {
            if (k.startsWith(PREFIX) && !k.equals(CONFIG) && !k.startsWith(ConfigKeys.DOCTOR_PREFIX)) {
                sys.put(k, new Setting(k, v.strip(), Origin.SYSTEM_PROPERTY));
            }
        });
        // Rule ids named by the file and by system properties, so that an environment variable's
        // upper-case id finds its rule.
        List<String> knownIds = new ArrayList<>();
        for (String k : concat(file.keySet(), sys.keySet())) {
            if (parseKey(k) instanceof RuleKey r && !knownIds.contains(r.id)) {
                knownIds.add(r.id);
            }
        }
        Map<String, Setting> env = environment(envIn, knownIds);

        Set<String> keys = new LinkedHashSet<>(file.keySet());
        keys.addAll(sys.keySet());
        keys.addAll(env.keySet());

        Globals globals = new Globals();
        Map<String, Map<String, Setting>> fileRules = new LinkedHashMap<>();
        Map<String, Map<String, Setting>> laterRules = new TreeMap<>();
        Set<String> idsFromFile = new HashSet<>();
        for (String k : keys) {
            Setting s = sys.containsKey(k) ? sys.get(k) : env.containsKey(k) ? env.get(k) : file.get(k);
            if (file.containsKey(k) && parseKey(k) instanceof RuleKey r) {
                idsFromFile.add(r.id);
            }
            switch (parseKey(k)) {
                case GlobalKey g -> globals.set(g.key, s);
                case ConfigKey _ -> problems.add(ConfigProblem.agent(s.written, s.origin, s.value,
                        "a file cannot name another file; give the file with the agent option config=<file>, "
                                + "-Djreclaim.config or JRECLAIM_CONFIG"));
                case RuleKey r -> (idsFromFile.contains(r.id) ? fileRules : laterRules)
                        .computeIfAbsent(r.id, id -> new LinkedHashMap<>()).put(r.property, s);
                case UnknownKey _ -> problems.add(ConfigProblem.agent(s.written, s.origin, s.value,
                        "unknown key" + DidYouMean.closest(k, suggestionsFor(k))));
            }
        }
        // Rules named only by system properties or the environment follow the file's, sorted by id.
        Map<String, Map<String, Setting>> rules = new LinkedHashMap<>(fileRules);
        rules.putAll(laterRules);

        List<SiteRule> valid = new ArrayList<>();
        Map<String, String> envForms = new HashMap<>();
        for (var rule : rules.entrySet()) {
            String id = rule.getKey();
            String clash = ConfigKeys.RULE_ID.matcher(id).matches() ? envForms.putIfAbsent(envName(id), id) : null;
            if (clash != null) {
                Setting first = rule.getValue().values().iterator().next();
                problems.add(ConfigProblem.rule(id, first.written, first.origin, first.value,
                        "rule id '" + id + "' has the same environment name as rule '" + clash + "' ("
                                + ENV_RULE_PREFIX + envName(id) + "_…); rename one"));
                continue;
            }
            new RuleBuilder(id, rule.getValue(), rules.keySet()).build().ifPresent(valid::add);
        }

        AgentConfig config = new AgentConfig(globals.enabled, globals.logLevel, globals.uffdMode, globals.capacity,
                globals.chunk, globals.exitSummary, valid, globals.minRatioPct, globals.snapshotMaxMemory,
                globals.remarkIdle, globals.fileMaxOpen, globals.recycleMax, globals.spill, globals.spillDir, globals.headroom,
                globals.cache, globals.cacheDir, globals.startCollect);
        List<String> agentKeys = problems.stream()
                .filter(p -> p.scope() == ConfigProblem.Scope.AGENT)
                .map(p -> p.key() == null ? "agent options" : p.key())
                .distinct()
                .toList();
        Optional<String> disabled = !agentKeys.isEmpty()
                ? Optional.of("configuration problems: " + String.join(", ", agentKeys))
                : config.enabled() ? Optional.empty() : Optional.of(ConfigKeys.ENABLED + "=false");
        return new LoadedConfig(config, problems, disabled);
    }

    /** Where the file is: -Djreclaim.config, then JRECLAIM_CONFIG, then the agent option config=. */
    private static Setting location(AgentOptions options, Map<String, String> sys, Map<String, String> env) {
        if (sys.containsKey(CONFIG)) {
            return new Setting(CONFIG, sys.get(CONFIG).strip(), Origin.SYSTEM_PROPERTY);
        }
        String fromEnv = env.get(envName(CONFIG));
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new Setting(envName(CONFIG), fromEnv.strip(), Origin.ENVIRONMENT);
        }
        return options.config().map(c -> new Setting(AgentOptions.CONFIG, c, Origin.AGENT_OPTIONS)).orElse(null);
    }

    private Map<String, Setting> readFile(Setting location) {
        Map<String, Setting> file = new LinkedHashMap<>();
        if (location == null) {
            return file;
        }
        if (location.value.isEmpty()) {
            problems.add(ConfigProblem.agent(location.written, location.origin, location.value,
                    "empty; give the path of a properties file"));
            return file;
        }
        PropertiesFile read = PropertiesFile.read(location.value);
        read.error().ifPresent(e -> problems.add(ConfigProblem.agent(location.written, location.origin, location.value, e)));
        for (Map.Entry<String, String> e : read.entries()) {
            Setting s = new Setting(e.getKey(), e.getValue().strip(), Origin.FILE);
            Setting earlier = file.putIfAbsent(e.getKey(), s);
            if (earlier != null) {
                String message = "set twice in the file (first to " + ConfigProblem.escape(earlier.value)
                        + "); remove one";
                if (parseKey(e.getKey()) instanceof RuleKey r && ConfigKeys.RULE_ID.matcher(r.id).matches()) {
                    problems.add(ConfigProblem.rule(r.id, s.written, s.origin, s.value, message));
                    disabledRules.add(r.id);
                } else {
                    problems.add(ConfigProblem.agent(s.written, s.origin, s.value, message));
                }
            }
        }
        return file;
    }

    /**
     * JRECLAIM_* variables, under the keys they stand for. Empty ones count as unset (as in
     * OpenTelemetry). Other JRECLAIM_* names are ignored, since tools share the prefix (build.sh
     * reads JRECLAIM_JAVA_HOME); only a malformed JRECLAIM_RULE_* name is reported.
     */
    private Map<String, Setting> environment(Map<String, String> envIn, List<String> knownIds) {
        Map<String, String> globalNames = new HashMap<>();
        for (String g : ConfigKeys.GLOBAL) {
            globalNames.put(envName(g), g);
        }
        Map<String, Setting> env = new LinkedHashMap<>();
        for (String name : new TreeSet<>(envIn.keySet())) {
            String value = envIn.get(name);
            if (!name.startsWith(ENV_PREFIX) || value == null || value.isBlank()) {
                continue;
            }
            Setting s = new Setting(name, value.strip(), Origin.ENVIRONMENT);
            if (globalNames.containsKey(name)) {
                env.put(globalNames.get(name), s);
            } else if (name.startsWith(ENV_RULE_PREFIX)) {
                String key = ruleKeyForEnv(name.substring(ENV_RULE_PREFIX.length()), knownIds);
                if (key == null) {
                    problems.add(ConfigProblem.agent(name, Origin.ENVIRONMENT, s.value,
                            "unknown variable; rule variables are JRECLAIM_RULE_<ID>_KIND, _SITE, _MIN_SIZE, _MARK, "
                                    + "_MARK_WHEN, _ON_PURGE or _FILE_CHECK"));
                } else {
                    env.put(key, s);
                }
            }
        }
        return env;
    }

    /** {@code CACHE_MIN_SIZE} -> {@code jreclaim.rule.cache.min-size}, or the rule with that env form. */
    private static String ruleKeyForEnv(String rest, List<String> knownIds) {
        for (String property : RULE_PROPERTIES) {
            String suffix = "_" + envName(property);
            if (rest.endsWith(suffix) && rest.length() > suffix.length()) {
                String idForm = rest.substring(0, rest.length() - suffix.length());
                String id = knownIds.stream()
                        .filter(k -> envName(k).equals(idForm.toUpperCase(Locale.ROOT)))
                        .findFirst()
                        .orElse(idForm.toLowerCase(Locale.ROOT));
                return ruleKey(id, property);
            }
        }
        return null;
    }

    private sealed interface Key permits GlobalKey, ConfigKey, RuleKey, UnknownKey {}

    private record GlobalKey(String key) implements Key {}

    private record ConfigKey() implements Key {}

    /** {@code property} may be unknown or empty; {@code id} may be invalid (both are reported per rule). */
    private record RuleKey(String id, String property) implements Key {}

    private record UnknownKey() implements Key {}

    private static Key parseKey(String key) {
        if (ConfigKeys.GLOBAL.contains(key)) {
            return new GlobalKey(key);
        }
        if (key.equals(CONFIG)) {
            return new ConfigKey();
        }
        if (!key.startsWith(RULE_PREFIX) || key.length() == RULE_PREFIX.length()) {
            return new UnknownKey();
        }
        String rest = key.substring(RULE_PREFIX.length());
        int lastDot = rest.lastIndexOf('.');
        if (lastDot > 0 && RULE_PROPERTIES.contains(rest.substring(lastDot + 1))) {
            // jreclaim.rule.my.cache.kind: an id with a dot, reported as a bad id, not as a bad property.
            return new RuleKey(rest.substring(0, lastDot), rest.substring(lastDot + 1));
        }
        int dot = rest.indexOf('.');
        return dot < 0 ? new RuleKey(rest, "") : new RuleKey(rest.substring(0, dot), rest.substring(dot + 1));
    }

    /** Known keys, and for a key that looks like a misspelt rule key, the rule key it may mean. */
    private static List<String> suggestionsFor(String key) {
        List<String> candidates = new ArrayList<>(ConfigKeys.GLOBAL);
        candidates.add(CONFIG);
        String[] parts = key.split("\\.", 4);
        if (parts.length == 4 && !parts[2].isEmpty()) {
            for (String p : RULE_PROPERTIES) {
                candidates.add(ruleKey(parts[2], p));
            }
        }
        return candidates;
    }

    private static <T> List<T> concat(Set<T> a, Set<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Global keys: a bad value keeps the default here, and disables the agent through its problem. */
    private final class Globals {
        boolean enabled = true;
        LogLevel logLevel = LogLevel.INFO;
        UffdMode uffdMode = UffdMode.AUTO;
        int capacity = AgentConfig.DEFAULT_CAPACITY;
        long chunk = AgentConfig.DEFAULT_CHUNK;
        int minRatioPct = AgentConfig.DEFAULT_MIN_RATIO_PCT;
        SnapshotMemoryLimit snapshotMaxMemory = AgentConfig.DEFAULT_SNAPSHOT_MAX_MEMORY;
        SpillMode spill = AgentConfig.DEFAULT_SPILL;
        java.nio.file.Path spillDir; // null: java.io.tmpdir at start
        java.time.Duration remarkIdle = AgentConfig.DEFAULT_REMARK_IDLE;
        int fileMaxOpen = AgentConfig.DEFAULT_FILE_MAX_OPEN;
        long recycleMax = AgentConfig.DEFAULT_RECYCLE_MAX;
        Headroom headroom = Headroom.DEFAULT;
        boolean exitSummary;
        boolean cache = true;
        java.nio.file.Path cacheDir;
        boolean startCollect = true;

        void set(String key, Setting s) {
            try {
                switch (key) {
                    case ConfigKeys.ENABLED -> enabled = parseBoolean(s.value);
                    case ConfigKeys.LOG_LEVEL -> logLevel = LogLevel.parse(s.value);
                    case ConfigKeys.UFFD_MODE -> uffdMode = UffdMode.parse(s.value);
                    case ConfigKeys.SERVICE_CAPACITY -> capacity = parseCapacity(s.value);
                    case ConfigKeys.SNAPSHOT_CHUNK -> chunk = parseChunk(s.value);
                    case ConfigKeys.SNAPSHOT_MIN_RATIO -> minRatioPct = parseRatio(s.value);
                    case ConfigKeys.SNAPSHOT_MAX_MEMORY -> snapshotMaxMemory = SnapshotMemoryLimit.parse(s.value);
                    case ConfigKeys.SNAPSHOT_SPILL -> spill = SpillMode.parse(s.value);
                    case ConfigKeys.SNAPSHOT_SPILL_DIR -> spillDir = parseSpillDir(s.value);
                    case ConfigKeys.REMARK_IDLE -> remarkIdle = DurationValue.parsePositive(s.value, "1s");
                    case ConfigKeys.FILE_MAX_OPEN -> fileMaxOpen = parseWhole(s.value, 1, AgentConfig.MAX_FILE_MAX_OPEN);
                    case ConfigKeys.MEMORY_RECYCLE_MAX -> recycleMax = ByteSize.parse(s.value);
                    case ConfigKeys.PRESSURE_HEADROOM -> headroom = Headroom.parse(s.value);
                    case ConfigKeys.EXIT_SUMMARY -> exitSummary = parseBoolean(s.value);
                    case ConfigKeys.CACHE -> cache = parseBoolean(s.value);
                    case ConfigKeys.START_COLLECT -> startCollect = parseBoolean(s.value);
                    case ConfigKeys.CACHE_DIR ->
                            cacheDir = parseAbsolutePath(s.value, "give the directory from the root (/var/cache/jreclaim)");
                    default -> throw new AssertionError(key);
                }
            } catch (InvalidValueException e) {
                problems.add(ConfigProblem.agent(s.written, s.origin, s.value, e.getMessage()));
            }
        }
    }

    static boolean parseBoolean(String text) throws InvalidValueException {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidValueException("not a boolean; use true or false");
        };
    }

    /** An absolute path of an existing directory (the spill file has no name in it: nothing is left behind). */
    static java.nio.file.Path parseSpillDir(String text) throws InvalidValueException {
        String use = "use the absolute path of a directory on a disk (not tmpfs)";
        java.nio.file.Path p = parseAbsolutePath(text, use);
        if (!java.nio.file.Files.isDirectory(p)) {
            throw new InvalidValueException("no such directory; " + use);
        }
        return p;
    }

    /** @param use what to give instead, said after the problem */
    static java.nio.file.Path parseAbsolutePath(String text, String use) throws InvalidValueException {
        java.nio.file.Path p;
        try {
            p = java.nio.file.Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw new InvalidValueException("not a path (" + e.getReason() + "); " + use);
        }
        if (text.isEmpty() || !p.isAbsolute()) {
            throw new InvalidValueException("not an absolute path; " + use);
        }
        return p;
    }

    static int parseCapacity(String text) throws InvalidValueException {
        return parseWhole(text, 1, AgentConfig.MAX_CAPACITY);
    }

    static int parseWhole(String text, int min, int max) throws InvalidValueException {
        String allowed = "use a whole number from " + min + " to " + max;
        if (!text.matches("[0-9]+")) {
            throw new InvalidValueException("not a whole number; " + allowed);
        }
        long n = text.length() > 10 ? Long.MAX_VALUE : Long.parseLong(text);
        if (n < min || n > max) {
            throw new InvalidValueException("out of range; " + allowed);
        }
        return (int) n;
    }

    /** "1.25" -> 125: a decimal with at most two places, from 1 (any snapshot smaller than its chunk) to 100. */
    static int parseRatio(String text) throws InvalidValueException {
        String allowed = "use a number from 1 to 100 with at most two decimals (e.g. 1.25)";
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,3})(?:\\.([0-9]{1,2}))?").matcher(text);
        if (!m.matches()) {
            throw new InvalidValueException("not a ratio; " + allowed);
        }
        String frac = m.group(2) == null ? "00" : (m.group(2) + "0").substring(0, 2);
        int pct = Integer.parseInt(m.group(1)) * 100 + Integer.parseInt(frac);
        if (pct < 100 || pct > AgentConfig.MAX_MIN_RATIO_PCT) {
            throw new InvalidValueException("out of range; " + allowed);
        }
        return pct;
    }

    static long parseChunk(String text) throws InvalidValueException {
        long bytes = ByteSize.parse(text);
        if (bytes < AgentConfig.MIN_CHUNK || bytes > AgentConfig.MAX_CHUNK) {
            throw new InvalidValueException("out of range; use " + (AgentConfig.MIN_CHUNK >> 10) + "KiB to "
                    + (AgentConfig.MAX_CHUNK >> 20) + "MiB");
        }
        if (bytes % AgentConfig.PLATFORM_PAGE_SIZE != 0) {
            throw new InvalidValueException("not a multiple of the page size (" + (AgentConfig.PLATFORM_PAGE_SIZE >> 10)
                    + "KiB); use e.g. 64KiB");
        }
        return bytes;
    }

    /** Validates one rule's settings; reports every problem, and yields the rule only if there is none. */
    private final class RuleBuilder {
        private final String id;
        private final Map<String, Setting> settings;
        private final Set<String> allIds;
        private boolean bad;

        RuleBuilder(String id, Map<String, Setting> settings, Set<String> allIds) {
            this.id = id;
            this.settings = settings;
            this.allIds = allIds;
            this.bad = disabledRules.contains(id);
        }

        Optional<SiteRule> build() {
            if (!ConfigKeys.RULE_ID.matcher(id).matches()) {
                Setting first = settings.values().iterator().next();
                problems.add(ConfigProblem.rule(id, first.written, first.origin, first.value,
                        (id.isEmpty() ? "empty rule id" : "rule id '" + id + "' is not valid")
                                + "; use letters, digits, '_' and '-' (e.g. jreclaim.rule.cache.kind)"));
                return Optional.empty();
            }
            for (var e : settings.entrySet()) {
                if (!RULE_PROPERTIES.contains(e.getKey())) {
                    Setting s = e.getValue();
                    String what = e.getKey().isEmpty() ? "no property after the rule id"
                            : "unknown rule property '" + e.getKey() + "'";
                    problems.add(ConfigProblem.rule(id, s.written, s.origin, s.value, what
                            + "; use kind, site, min-size, mark, mark-when, on-purge or file-check"
                            + DidYouMean.closest(e.getKey(), RULE_PROPERTIES)));
                    bad = true;
                }
            }
            RuleKind kind = parse(KIND, RuleKind::parse, null);
            if (!settings.containsKey(KIND)) {
                // A rule without kind is often a typo in the id of another rule's key.
                String typo = DidYouMean.nearest(id, allIds.stream().filter(o -> !o.equals(id)).toList())
                        .map(o -> " (a misspelt rule id? did you mean rule '" + o + "'?)").orElse("");
                missing(KIND, "required; " + RuleKind.ALLOWED + typo);
            }
            SiteMatcher site = parse(SITE, SiteMatcher::parse, SiteMatcher.ANY);
            long minSize = parse(MIN_SIZE, ByteSize::parse, SiteRule.DEFAULT_MIN_SIZE);
            MarkMode mark = parse(MARK, MarkMode::parse, new MarkMode.OnReturn());
            if (!settings.containsKey(SITE) && settings.containsKey(KIND)) {
                // (Without kind, the rule is likely a misspelt id: one line about that is enough.)
                // on-return marks when the site method returns; without a site there is no such method.
                if (!settings.containsKey(MARK)) {
                    missing(MARK, "required when site is omitted; use idle:<duration> or explicit");
                } else if (mark instanceof MarkMode.OnReturn
                        && settings.get(MARK).value.toLowerCase(java.util.Locale.ROOT).equals("on-return")) {
                    // (A bad mark value fell back to on-return; its own line says what is wrong.)
                    Setting s = settings.get(MARK);
                    problems.add(ConfigProblem.rule(id, s.written, s.origin, s.value,
                            "on-return needs a site method to return from; set " + ruleKey(id, SITE)
                                    + " or use idle:<duration> or explicit"));
                    bad = true;
                }
            }
            List<PurgePolicy> onPurge = parse(ON_PURGE, PurgePolicy::parseList, SiteRule.DEFAULT_ON_PURGE);
            FileCheck fileCheck = parse(ConfigKeys.FILE_CHECK, FileCheck::parse, FileCheck.IDENTITY);
            Setting check = settings.get(ConfigKeys.FILE_CHECK);
            if (check != null && !onPurge.contains(PurgePolicy.REBUILD_FILE) && !bad) {
                problems.add(ConfigProblem.rule(id, check.written, check.origin, check.value,
                        "applies only to a rule whose on-purge has rebuild:file; add it (e.g. on-purge=rebuild:file,zero)"
                                + " or remove file-check"));
                bad = true;
            }
            MarkWhen markWhen = parse(ConfigKeys.MARK_WHEN, MarkWhen::parse, MarkWhen.ALWAYS);
            Setting when = settings.get(ConfigKeys.MARK_WHEN);
            if (markWhen == MarkWhen.PRESSURE && mark instanceof MarkMode.Explicit && !bad) {
                problems.add(ConfigProblem.rule(id, when.written, when.origin, when.value,
                        "applies only to a rule the agent marks (mark=on-return or idle:<duration>); an explicit rule's"
                                + " buffers are marked by the application: remove mark-when"));
                bad = true;
            }
            return bad ? Optional.empty()
                    : Optional.of(new SiteRule(id, kind, site, minSize, mark, onPurge, fileCheck, markWhen));
        }

        private interface Parser<T> {
            T parse(String text) throws InvalidValueException;
        }

        private <T> T parse(String property, Parser<T> parser, T fallback) {
            Setting s = settings.get(property);
            if (s == null) {
                return fallback;
            }
            try {
                return parser.parse(s.value);
            } catch (InvalidValueException e) {
                problems.add(ConfigProblem.rule(id, s.written, s.origin, s.value, e.getMessage()));
                bad = true;
                return fallback;
            }
        }

        private void missing(String property, String message) {
            problems.add(ConfigProblem.rule(id, ruleKey(id, property), Origin.FILE, null, message));
            bad = true;
        }
    }
}
