package dev.jreclaim.instrumentation.api;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;

/**
 * One call inside JDK methods replaced by a static method of the same stack shape (a virtual call's
 * receiver becomes the first parameter): every call to {@code calledOwner.calledName} in the methods named
 * {@code method} of {@code classes}. Plain data, so that the agent applies it to the class bytes with the
 * JDK's own class-file API (already loaded by the JVM), without describing any type: the JDK's classes are
 * named here, never matched.
 *
 * @param classes     binary names of the classes whose methods contain the call ("java.nio.DirectByteBuffer")
 * @param method      the calling method's name, or name and descriptor ("{@code <init>(I)V}")
 * @param calledOwner binary name of the class declaring the replaced method ("jdk.internal.misc.Unsafe")
 * @param calledName  the replaced method's name; every call of that name on that owner is replaced
 * @param replacement a public static method whose descriptor is the call's, with the receiver first for a
 *                    virtual call
 * @param optional    whether a class of {@code classes} may hold no such call (SegmentFactories' anonymous
 *                    classes: one of them frees); then at least one of them must. When false, each must
 */
public record CallSubstitution(List<String> classes, String method, String calledOwner, String calledName,
        Method replacement, boolean optional) {
    public CallSubstitution {
        classes = List.copyOf(classes);
        if (classes.isEmpty() || method == null || calledOwner == null || calledName == null || replacement == null) {
            throw new IllegalArgumentException("incomplete substitution of " + calledOwner + "." + calledName);
        }
        if (!Modifier.isStatic(replacement.getModifiers()) || !Modifier.isPublic(replacement.getModifiers())) {
            throw new IllegalArgumentException(replacement + " must be public static");
        }
    }

    /** A required substitution in the one class {@code className}. */
    public static CallSubstitution in(String className, String method, String calledOwner, String calledName,
            Method replacement) {
        return new CallSubstitution(List.of(className), method, calledOwner, calledName, replacement, false);
    }

    /** Whether {@code name} and {@code descriptor} are the calling method this substitution names. */
    public boolean inMethod(String name, String descriptor) {
        return method.equals(name) || method.equals(name + descriptor);
    }
}
