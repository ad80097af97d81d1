package dev.jreclaim.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GlobTest {

    static boolean classMatches(String glob, String name) throws Exception {
        return Glob.ofClass(glob).matches(name);
    }

    static String siteError(String site) {
        return assertThrows(InvalidValueException.class, () -> SiteMatcher.parse(site)).getMessage();
    }

    @ParameterizedTest
    @CsvSource({
        "com.acme.cache.*, com.acme.cache.Cache, true",
        "com.acme.cache.*, com.acme.cache.sub.Loader, true",
        "com.acme.cache.*, com.acme.cache.Cache$Loader, true",
        "com.acme.cache.*, com.acme.cacheX.Cache, false",
        "com.acme.cache.*, com.acme.cache, false",
        "com.acme.Cache$Loader, com.acme.Cache$Loader, true",
        "com.acme.Cache$Loader, com.acme.Cache, false",
        "com.acme.Cache$*, com.acme.Cache$1, true",
        "com.acme.Cache$*, com.acme.Cache, false",
        "com.acme.Cache*, com.acme.Cache$Loader, true",
        "com.acme.Cache, com.acme.cache, false",
        "com.acme.Cach?, com.acme.Cache, true",
        "com.acme.Cach?, com.acme.Cach, false",
        "com.acme.Cach?, com.acme.Caches, false",
        "com.acme.Ca?he, com.acme.Ca.he, true",
        "*, anything.at.All$1, true",
        "*Cache*, com.acme.LruCacheImpl, true",
        "*.*Cache, com.acme.LruCache, true",
        "*.*Cache, LruCache, false",
        "com.*.Cache, com.acme.deep.Cache, true",
        "com.*.Cache, com.Cache, false",
        "a*b*c, axxbyyc, true",
        "a*b*c, axxbyy, false",
        "a*a*a*a*b, aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, false",
    })
    void classGlobs(String glob, String name, boolean expected) throws Exception {
        assertEquals(expected, classMatches(glob, name), glob + " vs " + name);
    }

    @Test
    void dotIsLiteral() throws Exception {
        assertFalse(classMatches("com.acme", "comXacme"));
        assertTrue(classMatches("com.acme", "com.acme"));
    }

    @Test
    void methodGlobs() throws Exception {
        assertTrue(Glob.ofMethod("load*").matches("load"));
        assertTrue(Glob.ofMethod("load*").matches("loadAll"));
        assertFalse(Glob.ofMethod("load*").matches("reload"));
        assertTrue(Glob.ofMethod("<init>").matches("<init>"));
        assertFalse(Glob.ofMethod("<init>").matches("init"));
        assertTrue(Glob.ofMethod("*").matches("<clinit>"));
        assertTrue(Glob.ofMethod("lambda$*").matches("lambda$load$0"));
        assertTrue(Glob.ofMethod("get?").matches("getX"));
    }

    @Test
    void sites() throws Exception {
        SiteMatcher site = SiteMatcher.parse("com.acme.cache.*#load*");
        assertTrue(site.matches("com.acme.cache.Cache$Loader", "loadBlock"));
        assertFalse(site.matches("com.acme.cache.Cache$Loader", "store"));
        assertFalse(site.matches("com.acme.other.Cache", "load"));
        assertTrue(site.matchesClass("com.acme.cache.Cache"));
        assertEquals("com.acme.cache.*#load*", site.toString());
        assertTrue(SiteMatcher.ANY.matches("x.Y$Z", "<init>"));
        assertTrue(SiteMatcher.parse("com.acme.Cache#<init>").matches("com.acme.Cache", "<init>"));
        assertTrue(SiteMatcher.parse("café.Données#lire").matches("café.Données", "lire"));
    }

    @Test
    void siteNeedsExactlyOneHash() {
        assertEquals("no '#'; write class-glob#method-glob (e.g. com.acme.cache.*#load*)", siteError("com.acme.cache.*"));
        assertEquals("more than one '#'; write class-glob#method-glob (e.g. com.acme.cache.*#load*)", siteError("a#b#c"));
    }

    @Test
    void emptyParts() {
        assertEquals("empty class glob before '#'; use * for any class", siteError("#load"));
        assertEquals("empty method glob after '#'; use * for any method", siteError("com.acme.*#"));
        assertEquals("empty part in class glob 'com..acme' (a dot at an end or two dots)", siteError("com..acme#x"));
        assertEquals("empty part in class glob '.com' (a dot at an end or two dots)", siteError(".com#x"));
        assertEquals("empty part in class glob 'com.' (a dot at an end or two dots)", siteError("com.#x"));
    }

    @Test
    void illegalCharacters() {
        assertEquals("illegal character ' ' at position 4 of the class glob; use Java name characters, '.', '*' and '?'",
                siteError("com acme#x"));
        assertEquals("illegal character '\\t' at position 4 of the class glob; use Java name characters, '.', '*' and '?'",
                siteError("com\tacme#x"));
        assertEquals("illegal character '[' at position 5 of the class glob; use Java name characters, '.', '*' and '?'",
                siteError("com.[a-z]#x"));
        assertEquals("illegal character '.' at position 5 of the method glob; use Java name characters, '*' and '?'"
                + " (or <init>, <clinit> for constructors)", siteError("com.Acme#load.all"));
        assertEquals("illegal character '<' at position 1 of the method glob; use Java name characters, '*' and '?'"
                + " (or <init>, <clinit> for constructors)", siteError("com.Acme#<init>*"));
        assertEquals("illegal character '(' at position 5 of the method glob; use Java name characters, '*' and '?'"
                + " (or <init>, <clinit> for constructors)", siteError("com.Acme#load()"));
        assertEquals("'/' in class glob; write binary names with dots (e.g. com.acme.Cache$Loader)", siteError("com/acme/Cache#load"));
    }
}
