package dev.jreclaim.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jreclaim.instrumentation.api.InstrumentationModule;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java packages form no import cycle, and the agent's core depends on no instrumentation module but its
 * api (the modules are found through ServiceLoader). The graph is the JDK's own jdeps' ({@code
 * -verbose:package}) over the agent's classes and the instrumentation modules' classes, so it sees every
 * reference the compiler left in the class files, not only the imports.
 */
class PackageCyclesTest {
    private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s+.*$");
    /** Package -> the jreclaim packages it depends on (itself left out). */
    private static final Map<String, Set<String>> GRAPH = new TreeMap<>();

    @BeforeAll
    static void readTheGraph() throws Exception {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("no jdeps in this JDK"));
        Set<String> paths = new LinkedHashSet<>();
        paths.add(location(PackageCyclesTest.class.getClassLoader().loadClass("dev.jreclaim.agent.config.AgentConfig")));
        paths.add(location(InstrumentationModule.class));
        for (ServiceLoader.Provider<InstrumentationModule> p : ServiceLoader.load(InstrumentationModule.class).stream().toList()) {
            paths.add(location(p.type()));
        }
        List<String> args = new ArrayList<>(List.of("-verbose:package", "-e", "dev\\.jreclaim\\..*"));
        args.addAll(paths);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        assertEquals(0, rc, "jdeps " + args + ": " + err);
        for (String line : out.toString().lines().toList()) {
            Matcher m = EDGE.matcher(line);
            if (m.matches()) {
                Set<String> to = GRAPH.computeIfAbsent(m.group(1), k -> new TreeSet<>());
                if (!m.group(1).equals(m.group(2))) {
                    to.add(m.group(2));
                }
            }
        }
        assertTrue(GRAPH.containsKey("dev.jreclaim.agent.start") && GRAPH.containsKey("dev.jreclaim.instrumentation.sitescope"),
                "jdeps saw the agent's and the modules' packages: " + GRAPH.keySet() + "\n" + out);
    }

    /** The directory or jar a class was loaded from. */
    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void noImportCycleBetweenPackages() {
        List<String> cycles = new ArrayList<>();
        for (Set<String> component : tangles(GRAPH)) {
            Map<String, Set<String>> inside = new TreeMap<>();
            component.forEach(p -> inside.put(p, new TreeSet<>(GRAPH.getOrDefault(p, Set.of()))));
            inside.values().forEach(to -> to.retainAll(component));
            cycles.add(String.join(" -> ", findCycle(inside)) + (component.size() > 2 ? " (all of " + component + " are tangled)" : ""));
        }
        if (!cycles.isEmpty()) {
            fail("import cycles between packages: " + String.join("; ", cycles));
        }
    }

    @Test
    void theCoreDependsOnTheInstrumentationApiOnly() {
        List<String> offending = new ArrayList<>();
        GRAPH.forEach((from, to) -> {
            if (from.startsWith("dev.jreclaim.agent.") || from.equals("dev.jreclaim.agent")) {
                to.stream().filter(p -> p.startsWith("dev.jreclaim.instrumentation.") && !p.equals("dev.jreclaim.instrumentation.api"))
                        .forEach(p -> offending.add(from + " -> " + p));
            }
        });
        assertEquals(List.of(), offending, "the core may use instrumentation modules only through ServiceLoader");
    }

    @Test
    void theCycleFinderFindsACycle() {
        Map<String, Set<String>> g = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a", "d")));
        assertEquals(List.of("a", "b", "c", "a"), findCycle(g));
        assertEquals(List.of(), findCycle(Map.of("a", Set.of("b"), "b", Set.of("c"))));
        Map<String, Set<String>> two = Map.of("a", Set.of("b"), "b", Set.of("a"), "c", Set.of("d"), "d", Set.of("c", "a"));
        assertEquals(List.of(Set.of("a", "b"), Set.of("c", "d")), tangles(two));
        assertEquals(List.of(), tangles(Map.of("a", Set.of("b"), "b", Set.of("c"))));
    }

    /** The strongly connected components of more than one package (Tarjan's algorithm): each holds a cycle. */
    static List<Set<String>> tangles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new TreeMap<>();
        Map<String, Integer> low = new TreeMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<Set<String>> found = new ArrayList<>();
        for (String p : new TreeSet<>(graph.keySet())) {
            if (!index.containsKey(p)) {
                connect(p, graph, index, low, stack, onStack, found);
            }
        }
        return found;
    }

    private static void connect(String p, Map<String, Set<String>> graph, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> found) {
        index.put(p, index.size());
        low.put(p, index.get(p));
        stack.push(p);
        onStack.add(p);
        for (String q : graph.getOrDefault(p, Set.of())) {
            if (!index.containsKey(q)) {
                connect(q, graph, index, low, stack, onStack, found);
                low.put(p, Math.min(low.get(p), low.get(q)));
            } else if (onStack.contains(q)) {
                low.put(p, Math.min(low.get(p), index.get(q)));
            }
        }
        if (low.get(p).equals(index.get(p))) {
            Set<String> component = new TreeSet<>();
            String q;
            do {
                q = stack.pop();
                onStack.remove(q);
                component.add(q);
            } while (!q.equals(p));
            if (component.size() > 1) {
                found.add(component);
            }
        }
    }

    /** One cycle as a path that starts and ends with the same package, or empty when the graph has none. */
    static List<String> findCycle(Map<String, Set<String>> graph) {
        Set<String> done = new HashSet<>();
        for (String start : new TreeSet<>(graph.keySet())) {
            Deque<String> path = new ArrayDeque<>();
            List<String> cycle = visit(start, graph, path, new HashSet<>(), done);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        return List.of();
    }

    private static List<String> visit(String node, Map<String, Set<String>> graph, Deque<String> path, Set<String> onPath,
            Set<String> done) {
        if (onPath.contains(node)) {
            List<String> cycle = new ArrayList<>();
            boolean in = false;
            for (String p : path.reversed()) {
                in |= p.equals(node);
                if (in) {
                    cycle.add(p);
                }
            }
            cycle.add(node);
            return cycle;
        }
        if (!done.add(node)) {
            return List.of();
        }
        path.push(node);
        onPath.add(node);
        for (String next : new TreeSet<>(graph.getOrDefault(node, Set.of()))) {
            List<String> cycle = visit(next, graph, path, onPath, done);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        path.pop();
        onPath.remove(node);
        return List.of();
    }
}
