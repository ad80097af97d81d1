package dev.jreclaim.agent.start;

import dev.jreclaim.agent.log.AgentLog;
import dev.jreclaim.agent.start.cache.TransformCache;
import dev.jreclaim.instrumentation.api.CallSubstitution;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.instrument.ClassFileTransformer;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Applies the JDK modules' {@link CallSubstitution}s to the boot loader's classes they name, with the JDK's
 * class-file API ({@code java.lang.classfile}, which the JVM itself has loaded by the time an agent starts):
 * each matching call instruction becomes an {@code invokestatic} of the replacement, nothing else changes.
 * Every other class costs one map lookup of its name. A class whose result the transform cache holds (same class
 * bytes, substitutions and agent build) is not parsed at all. It stays registered after installation, so that a
 * later retransformation of those classes (by another agent) keeps the substitutions.
 */
final class JdkSubstitutions implements ClassFileTransformer {
    private static final String KIND = "jdk";

    /** The substitutions by the internal name of a class that holds their calls. */
    private final Map<String, List<CallSubstitution>> byClass = new HashMap<>();
    /** Calls replaced, by substitution and internal class name, as of each class's last transformation. */
    // By identity: a record's hashCode is bootstrapped (ObjectMethods), which costs start-up milliseconds.
    private final Map<CallSubstitution, Map<String, Integer>> replaced =
            java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private final List<String> errors = new ArrayList<>();
    private final List<CallSubstitution> all;
    /** Null: every class is rewritten with the class-file API. */
    private final TransformCache cache;

    JdkSubstitutions(List<CallSubstitution> all, TransformCache cache) {
        this.all = List.copyOf(all);
        this.cache = cache;
        for (CallSubstitution s : this.all) {
            for (String c : s.classes()) {
                byClass.computeIfAbsent(internal(c), k -> new ArrayList<>()).add(s);
            }
        }
    }

    /** Binary names of every class that holds a substituted call. */
    Set<String> classNames() {
        Set<String> names = new LinkedHashSet<>();
        all.forEach(s -> names.addAll(s.classes()));
        return names;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
            ProtectionDomain domain, byte[] bytes) {
        List<CallSubstitution> subs = loader == null && className != null ? byClass.get(className) : null;
        if (subs == null) {
            return null;
        }
        try {
            return rewrite(className, subs, bytes);
        } catch (RuntimeException | LinkageError e) {
            String error = "cannot transform " + className.replace('/', '.') + ": " + e;
            synchronized (errors) {
                errors.add(error);
            }
            // After installation nobody reads errors: a retransformation by someone else lost our calls.
            AgentLog.warn(error);
            return null;
        }
    }

    /**
     * From the transform cache when it holds this class's result for the same substitutions (the counts of replaced
     * calls come with it), else rewritten and stored.
     */
    private byte[] rewrite(String className, List<CallSubstitution> subs, byte[] bytes) {
        String shape = shape(subs);
        String name = className.replace('/', '.');
        TransformCache.Entry hit = cache == null ? null : cache.find(KIND, shape, name, bytes);
        if (hit != null && hit.transformed() != null && hit.facts().size() == subs.size()) {
            try {
                for (int i = 0; i < subs.size(); i++) {
                    int count = Integer.parseInt(hit.facts().get(i));
                    replaced.computeIfAbsent(subs.get(i), k -> new ConcurrentHashMap<>()).put(className, count);
                }
                return hit.transformed();
            } catch (NumberFormatException e) {
                AgentLog.debug("transform cache: entry of " + name + " has bad counts; rewriting");
            }
        }
        int[] counts = new int[subs.size()];
        byte[] out = rewrite(subs, bytes, counts);
        for (int i = 0; i < subs.size(); i++) {
            replaced.computeIfAbsent(subs.get(i), k -> new ConcurrentHashMap<>()).put(className, counts[i]);
        }
        if (cache != null) {
            cache.store(KIND, shape, name, bytes, out, java.util.Arrays.stream(counts).mapToObj(Integer::toString).toList());
        }
        return out;
    }

    /** Every field of the substitutions, for the cache (not the records' toString: its bootstrap costs start-up ms). */
    private static String shape(List<CallSubstitution> subs) {
        StringBuilder b = new StringBuilder();
        for (CallSubstitution s : subs) {
            b.append(String.join(",", s.classes())).append(' ').append(s.method()).append(' ').append(s.calledOwner())
                    .append('.').append(s.calledName()).append(" -> ").append(s.replacement()).append(' ')
                    .append(s.optional()).append(' ').append(s.enclosingLongSlot()).append('\n');
        }
        return b.toString();
    }

    private static byte[] rewrite(List<CallSubstitution> subs, byte[] bytes, int[] counts) {
        ClassFile cf = ClassFile.of();
        ClassModel model = cf.parse(bytes);
        ClassTransform transform = (cb, element) -> {
            if (element instanceof MethodModel m) {
                List<Integer> here = new ArrayList<>();
                for (int i = 0; i < subs.size(); i++) {
                    if (subs.get(i).inMethod(m.methodName().stringValue(), m.methodType().stringValue())) {
                        here.add(i);
                    }
                }
                if (!here.isEmpty()) {
                    cb.transformMethod(m, MethodTransform.transformingCode(calls(subs, here, counts)));
                    return;
                }
            }
            cb.with(element);
        };
        return cf.transformClass(model, transform);
    }

    /** Replaces each call the substitutions at {@code here} name; counts them per substitution. */
    private static CodeTransform calls(List<CallSubstitution> subs, List<Integer> here, int[] counts) {
        return (code, element) -> {
            if (element instanceof InvokeInstruction call) {
                for (int i : here) {
                    CallSubstitution s = subs.get(i);
                    if (call.owner().asInternalName().equals(internal(s.calledOwner()))
                            && call.name().equalsString(s.calledName())) {
                        Method r = s.replacement();
                        MethodTypeDesc type = descriptor(r);
                        MethodTypeDesc expected = call.opcode() == Opcode.INVOKESTATIC ? call.typeSymbol()
                                : call.typeSymbol().insertParameterTypes(0, call.owner().asSymbol());
                        if (s.enclosingLongSlot() >= 0) {
                            expected = expected.insertParameterTypes(expected.parameterCount(), ConstantDescs.CD_long);
                        }
                        if (!type.equals(expected)) {
                            throw new IllegalStateException(r + " does not fit the call " + s.calledOwner() + "."
                                    + s.calledName() + call.typeSymbol().descriptorString());
                        }
                        if (s.enclosingLongSlot() >= 0) {
                            code.lload(s.enclosingLongSlot()); // the caller's own parameter, last argument
                        }
                        code.invokestatic(ClassDesc.of(r.getDeclaringClass().getName()), r.getName(), type);
                        counts[i]++;
                        return;
                    }
                }
            }
            code.with(element);
        };
    }

    /**
     * What went wrong, once every class was retransformed: a transformation that failed, and a substitution
     * that found no call to replace where it must (a JDK whose code changed).
     */
    List<String> problems() {
        List<String> problems;
        synchronized (errors) {
            problems = new ArrayList<>(errors);
        }
        for (CallSubstitution s : all) {
            Map<String, Integer> seen = replaced.getOrDefault(s, Map.of());
            List<String> without = s.classes().stream().filter(c -> seen.getOrDefault(internal(c), 0) == 0).toList();
            boolean missing = s.optional() ? without.size() == s.classes().size() : !without.isEmpty();
            if (missing) {
                problems.add("no call to " + s.calledOwner() + "." + s.calledName() + " in " + s.method() + " of "
                        + String.join(" or ", s.optional() ? s.classes() : without));
            }
        }
        return problems;
    }

    private static MethodTypeDesc descriptor(Method m) {
        return MethodTypeDesc.ofDescriptor(MethodType.methodType(m.getReturnType(), m.getParameterTypes())
                .toMethodDescriptorString());
    }

    private static String internal(String binaryName) {
        return binaryName.replace('.', '/');
    }
}
